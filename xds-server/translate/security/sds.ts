/** The bootstrap's static cluster for the agent's SDS Unix socket (Istio's name, so Istio tooling reads it). */
export const SDS_CLUSTER_NAME = 'sds-grpc';
/** SDS secret holding the workload certificate chain and key. */
export const WORKLOAD_SECRET_NAME = 'default';
/** SDS secret holding the trust bundle (a validation context). */
export const ROOT_CA_SECRET_NAME = 'ROOTCA';

/** An SdsSecretConfig fetching `name` from the agent over `sds-grpc`. */
export function sdsSecretConfig(name: string): Record<string, unknown> {
  return {
    name,
    sds_config: {
      api_config_source: {
        api_type: 'GRPC',
        transport_api_version: 'V3',
        set_node_on_first_message_only: true,
        grpc_services: [{ envoy_grpc: { cluster_name: SDS_CLUSTER_NAME } }],
      },
      // Wait for the agent however long it takes: serving without a certificate is no use.
      initial_fetch_timeout: { seconds: 0, nanos: 0 },
      resource_api_version: 'V3',
    },
  };
}
