import { SDS_CLUSTER_NAME } from '../sds.ts';
import type { TranslationResult } from '../../translation-result.ts';

/** Whether the translation fetches secrets over SDS. */
export const usesSds = (result: TranslationResult) => JSON.stringify([result.listeners, result.clusters]).includes(`"${SDS_CLUSTER_NAME}"`);

/** A stand-in for the agent's `sds-grpc` bootstrap cluster (a gRPC Unix socket), for `envoy --mode validate`. */
export function sdsClusterForValidation(): Record<string, unknown> {
  return {
    name: SDS_CLUSTER_NAME,
    type: 'STATIC',
    connect_timeout: { seconds: 1, nanos: 0 },
    load_assignment: { cluster_name: SDS_CLUSTER_NAME, endpoints: [{ lb_endpoints: [{ endpoint: { address: { pipe: { path: '/tmp/trellis-validate-sds.sock' } } } }] }] },
    typed_extension_protocol_options: {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
        '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
        explicit_http_config: { http2_protocol_options: {} },
      },
    },
  };
}
