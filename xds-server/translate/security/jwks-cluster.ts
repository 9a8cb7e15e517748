import { isIpAddress } from '../../../core/resources/formats/ip.ts';
import { UPSTREAM_TLS_CONTEXT_TYPE } from '../envoy/extension-types.ts';
import type { Named } from '../translation-result.ts';

/** The system trust store of the Envoy images Trellis runs (Debian/Ubuntu), for public JWKS hosts. */
export const SYSTEM_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

export interface JwksTarget {
  cluster: string;
  host: string;
  port: number;
  tls: boolean;
}

/** Where Envoy fetches a remote JWKS from; undefined when the URI is not http(s). */
export function jwksTarget(uri: string): JwksTarget | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  const tls = url.protocol === 'https:';
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port ? Number(url.port) : tls ? 443 : 80;
  // Its own name space, so it never collides with a mesh service's `outbound|...` cluster.
  return { cluster: `jwks|${host}|${port}`, host, port, tls };
}

/** A cluster reaching the JWKS host directly (resolved by DNS unless it is an IP), verified against the system CAs over https. */
export function jwksCluster(target: JwksTarget): Named {
  const resource: Record<string, unknown> = {
    name: target.cluster,
    type: isIpAddress(target.host) ? 'STATIC' : 'STRICT_DNS',
    connect_timeout: { seconds: 5, nanos: 0 },
    load_assignment: {
      cluster_name: target.cluster,
      endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: target.host, port_value: target.port } } } }] }],
    },
  };
  if (!isIpAddress(target.host)) resource['dns_lookup_family'] = 'V4_PREFERRED';
  if (target.tls) {
    resource['transport_socket'] = {
      name: 'envoy.transport_sockets.tls',
      typed_config: {
        '@type': UPSTREAM_TLS_CONTEXT_TYPE,
        sni: target.host,
        common_tls_context: { validation_context: { trusted_ca: { filename: SYSTEM_CA_BUNDLE } } },
      },
    };
  }
  return { name: target.cluster, resource };
}
