import { stringify } from 'yaml';
import type { NodeMetadata } from '../../core/proxies/node-metadata.ts';
import { DEFAULT_INBOUND_PORT, DEFAULT_OUTBOUND_PORT } from '../../core/proxies/node-metadata.ts';

export interface BootstrapOptions {
  metadata: NodeMetadata;
  /** host:port of the xDS server. */
  xdsAddress: { host: string; port: number };
  adminPort: number;
  /** Incremental xDS (default) or state of the world. */
  protocol: 'delta' | 'sotw';
}

const isIp = (host: string) => /^[0-9.]+$/.test(host) || host.includes(':');

/** The Envoy bootstrap of a sidecar: identity in node metadata, everything else over ADS. */
export function envoyBootstrap(o: BootstrapOptions): Record<string, unknown> {
  const m = o.metadata;
  const metadata: NodeMetadata = {
    ...m,
    INBOUND_PORT: m.APP_PORT !== undefined ? (m.INBOUND_PORT ?? DEFAULT_INBOUND_PORT) : m.INBOUND_PORT,
    OUTBOUND_PORT: m.OUTBOUND_PORT ?? DEFAULT_OUTBOUND_PORT,
  };
  return {
    node: {
      id: `${m.WORKLOAD_NAME}.${m.NAMESPACE}~${m.INSTANCE_IP ?? '127.0.0.1'}~${m.TRELLIS_MESH}`,
      cluster: `${m.WORKLOAD_NAME}.${m.NAMESPACE}`,
      metadata: Object.fromEntries(Object.entries(metadata).filter(([, v]) => v !== undefined)),
    },
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: o.adminPort } } },
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
          connect_timeout: '1s',
          typed_extension_protocol_options: {
            'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
              '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
              explicit_http_config: { http2_protocol_options: { connection_keepalive: { interval: '30s', timeout: '5s' } } },
            },
          },
          load_assignment: {
            cluster_name: 'trellis-xds',
            endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: o.xdsAddress.host, port_value: o.xdsAddress.port } } } }] }],
          },
        },
      ],
    },
  };
}

export function envoyBootstrapYaml(o: BootstrapOptions): string {
  return stringify(envoyBootstrap(o));
}
