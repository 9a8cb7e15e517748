import { stringify } from 'yaml';
import type { NodeMetadata } from '../../core/proxies/node-metadata.ts';
import { DEFAULT_INBOUND_PORT, DEFAULT_OUTBOUND_PORT } from '../../core/proxies/node-metadata.ts';
import { statsConfig, type EnvoyStats } from './stats-config.ts';

export interface BootstrapOptions {
  metadata: NodeMetadata;
  /** host:port of the xDS server. */
  xdsAddress: { host: string; port: number };
  adminPort: number;
  /** Incremental xDS (default) or state of the world. */
  protocol: 'delta' | 'sotw';
  /** The agent's SDS Unix socket: adds the `sds-grpc` cluster that mesh TLS secrets come from. */
  sdsSocketPath?: string;
  /** Reach the xDS server over mTLS with the SDS secrets, accepting only this server SPIFFE ID (needs `sdsSocketPath`). */
  xdsServerSpiffeId?: string;
  /** Envoy's own stats: all of them (default), or only what the mesh reads (see stats-config.ts). */
  envoyStats?: EnvoyStats;
}

/** Istio's names: translated listeners and clusters fetch `default` and `ROOTCA` from this cluster. */
export const SDS_CLUSTER_NAME = 'sds-grpc';
const WORKLOAD_SECRET = 'default';
const ROOT_CA_SECRET = 'ROOTCA';

const http2Options = (keepalive: boolean) => ({
  'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
    '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
    explicit_http_config: { http2_protocol_options: keepalive ? { connection_keepalive: { interval: '30s', timeout: '5s' } } : {} },
  },
});

const sdsSecret = (name: string) => ({
  name,
  sds_config: {
    api_config_source: { api_type: 'GRPC', transport_api_version: 'V3', set_node_on_first_message_only: true, grpc_services: [{ envoy_grpc: { cluster_name: SDS_CLUSTER_NAME } }] },
    // Wait for the agent however long it takes: there is nothing to serve without a certificate.
    initial_fetch_timeout: '0s',
    resource_api_version: 'V3',
  },
});

function sdsCluster(socketPath: string): Record<string, unknown> {
  return {
    name: SDS_CLUSTER_NAME,
    type: 'STATIC',
    connect_timeout: '1s',
    typed_extension_protocol_options: http2Options(false),
    load_assignment: { cluster_name: SDS_CLUSTER_NAME, endpoints: [{ lb_endpoints: [{ endpoint: { address: { pipe: { path: socketPath } } } }] }] },
  };
}

/** mTLS to the xDS server: our certificate and the trust bundle over SDS, the server checked by its SPIFFE ID. */
function xdsTransportSocket(serverSpiffeId: string): Record<string, unknown> {
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
      common_tls_context: {
        alpn_protocols: ['h2'],
        tls_certificate_sds_secret_configs: [sdsSecret(WORKLOAD_SECRET)],
        combined_validation_context: {
          default_validation_context: { match_typed_subject_alt_names: [{ san_type: 'URI', matcher: { exact: serverSpiffeId } }] },
          validation_context_sds_secret_config: sdsSecret(ROOT_CA_SECRET),
        },
      },
    },
  };
}

const isIp = (host: string) => /^[0-9.]+$/.test(host) || host.includes(':');

/** The Envoy bootstrap of a sidecar: identity in node metadata, everything else over ADS. */
export function envoyBootstrap(o: BootstrapOptions): Record<string, unknown> {
  const m = o.metadata;
  // Gateways have no app and no local outbound listener: their ports come from Gateway servers.
  const sidecar = m.TRELLIS_PROXY_KIND === 'sidecar';
  const metadata: NodeMetadata = {
    ...m,
    INBOUND_PORT: sidecar && m.APP_PORT !== undefined ? (m.INBOUND_PORT ?? DEFAULT_INBOUND_PORT) : m.INBOUND_PORT,
    OUTBOUND_PORT: sidecar ? (m.OUTBOUND_PORT ?? DEFAULT_OUTBOUND_PORT) : m.OUTBOUND_PORT,
    ...(o.sdsSocketPath ? { SDS: true } : {}),
  };
  if (o.xdsServerSpiffeId && !o.sdsSocketPath) throw new RangeError('xDS over mTLS needs the SDS socket (its certificate comes from there)');
  return {
    node: {
      id: `${m.WORKLOAD_NAME}.${m.NAMESPACE}~${m.INSTANCE_IP ?? '127.0.0.1'}~${m.TRELLIS_MESH}`,
      cluster: `${m.WORKLOAD_NAME}.${m.NAMESPACE}`,
      metadata: Object.fromEntries(Object.entries(metadata).filter(([, v]) => v !== undefined)),
    },
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: o.adminPort } } },
    stats_config: statsConfig(o.envoyStats),
    dynamic_resources: {
      ads_config: {
        api_type: o.protocol === 'delta' ? 'DELTA_GRPC' : 'GRPC',
        transport_api_version: 'V3',
        set_node_on_first_message_only: true,
        grpc_services: [{ envoy_grpc: { cluster_name: 'trellis-xds' } }],
      },
      cds_config: { ads: {}, resource_api_version: 'V3' },
      lds_config: { ads: {}, resource_api_version: 'V3' },
    },
    static_resources: {
      clusters: [
        {
          name: 'trellis-xds',
          type: isIp(o.xdsAddress.host) ? 'STATIC' : 'STRICT_DNS',
          // The control plane may be a region away and busy with a reconnect storm: a slow TLS handshake is not a failure.
          connect_timeout: '5s',
          typed_extension_protocol_options: http2Options(true),
          load_assignment: {
            cluster_name: 'trellis-xds',
            endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: o.xdsAddress.host, port_value: o.xdsAddress.port } } } }] }],
          },
          ...(o.xdsServerSpiffeId ? { transport_socket: xdsTransportSocket(o.xdsServerSpiffeId) } : {}),
        },
        ...(o.sdsSocketPath ? [sdsCluster(o.sdsSocketPath)] : []),
      ],
    },
  };
}

export function envoyBootstrapYaml(o: BootstrapOptions): string {
  return stringify(envoyBootstrap(o));
}
