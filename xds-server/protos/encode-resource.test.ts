import { describe, expect, it } from 'vitest';
import { decodeResource, encodeResource } from './encode-resource.ts';
import { findMessageType } from './envoy-root.ts';
import { ResourceEncodeError } from './resource-encode-error.ts';
import { CLUSTER_TYPE_URL } from './types/cluster.ts';
import { LISTENER_TYPE_URL } from './types/listener.ts';
import { ROUTE_TYPE_URL } from './types/route.ts';

const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ROUTER = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';

function listener(hcmExtra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'ingress',
    address: { socket_address: { address: '127.0.0.1', port_value: 10000 } },
    filter_chains: [
      {
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: {
              '@type': HCM,
              stat_prefix: 'ingress',
              rds: { route_config_name: 'routes', config_source: { ads: {}, resource_api_version: 'V3' } },
              http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': ROUTER, suppress_envoy_headers: true } }],
              ...hcmExtra,
            },
          },
        ],
      },
    ],
  };
}

function encodeError(fn: () => unknown): ResourceEncodeError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ResourceEncodeError) return err;
    throw err;
  }
  throw new Error('expected a ResourceEncodeError');
}

describe('encodeResource', () => {
  it('encodes nested typed_config (HttpConnectionManager, Router) so they decode back intact', () => {
    const bytes = encodeResource(LISTENER_TYPE_URL, listener());
    const back = decodeResource(LISTENER_TYPE_URL, bytes) as { filter_chains: { filters: { typed_config: Record<string, unknown> }[] }[] };
    const hcm = back.filter_chains[0]!.filters[0]!.typed_config;
    expect(hcm['@type']).toBe(HCM);
    expect(hcm['rds']).toEqual({ route_config_name: 'routes', config_source: { ads: {}, resource_api_version: 'V3' } });
    expect(hcm['http_filters']).toEqual([{ name: 'envoy.filters.http.router', typed_config: { '@type': ROUTER, suppress_envoy_headers: true } }]);
  });

  it('is deterministic: the same object gives the same bytes', () => {
    expect(Buffer.from(encodeResource(LISTENER_TYPE_URL, listener())).equals(Buffer.from(encodeResource(LISTENER_TYPE_URL, listener())))).toBe(true);
  });

  it('rejects an unknown field inside a nested Any, naming the resource and the path', () => {
    const err = encodeError(() => encodeResource(LISTENER_TYPE_URL, listener({ route_config_namee: 'x' })));
    expect(err.message).toContain('Listener "ingress"');
    expect(err.errors).toEqual([
      { path: 'filter_chains[0].filters[0].typed_config<HttpConnectionManager>.route_config_namee', message: expect.stringContaining('unknown field') },
    ]);
  });

  it('rejects an Any whose @type is not loaded, an unknown enum name and a mistyped scalar', () => {
    const err = encodeError(() =>
      encodeResource(CLUSTER_TYPE_URL, {
        name: 'c1',
        type: 'STATICK',
        connect_timeout: { seconds: 'one' },
        typed_extension_protocol_options: { x: { '@type': 'type.googleapis.com/no.such.Type' } },
      }),
    );
    expect(err.errors.map((e) => e.path)).toEqual(['type', 'connect_timeout.seconds', 'typed_extension_protocol_options["x"].@type']);
  });

  it('rejects two members of one oneof', () => {
    const err = encodeError(() => encodeResource(ROUTE_TYPE_URL, { name: 'r', virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/', path: '/x' }, direct_response: { status: 200 } }] }] }));
    expect(err.errors[0]?.path).toBe('virtual_hosts[0].routes[0].match.path');
  });

  it('encodes Durations, wrappers and 64-bit values given as strings', () => {
    const bytes = encodeResource(CLUSTER_TYPE_URL, {
      name: 'c1',
      type: 'STATIC',
      connect_timeout: { seconds: '1', nanos: 500_000_000 },
      per_connection_buffer_limit_bytes: { value: 32768 },
    });
    expect(decodeResource(CLUSTER_TYPE_URL, bytes)).toMatchObject({ connect_timeout: { seconds: '1', nanos: 500_000_000 }, per_connection_buffer_limit_bytes: { value: 32768 } });
  });

  it.each([
    'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
    'envoy.extensions.filters.network.rbac.v3.RBAC',
    'envoy.extensions.filters.http.rbac.v3.RBAC',
    'envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication',
    'envoy.extensions.filters.http.fault.v3.HTTPFault',
    'envoy.extensions.filters.http.cors.v3.Cors',
    'envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit',
    'envoy.extensions.filters.http.health_check.v3.HealthCheck',
    'envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
    'envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
    'envoy.extensions.transport_sockets.tls.v3.Secret',
    'envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
    'envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector',
    'envoy.config.core.v3.HealthCheck',
    'envoy.extensions.access_loggers.stream.v3.StdoutAccessLog',
  ])('resolves %s', (name) => {
    expect(findMessageType(name)).toBeDefined();
  });

  it('encodes RBAC, fault and local ratelimit filters as typed_config', () => {
    const filters = [
      { name: 'rbac', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC', rules: { action: 'ALLOW', policies: { p: { permissions: [{ any: true }], principals: [{ authenticated: { principal_name: { exact: 'spiffe://td/ns/a/sa/b' } } }] } } } } },
      { name: 'fault', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault', abort: { http_status: 503, percentage: { numerator: 100, denominator: 'HUNDRED' } } } },
      { name: 'rl', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit', stat_prefix: 'rl', token_bucket: { max_tokens: 10, tokens_per_fill: { value: 10 }, fill_interval: { seconds: 1 } } } },
      { name: 'router', typed_config: { '@type': ROUTER } },
    ];
    const back = decodeResource(LISTENER_TYPE_URL, encodeResource(LISTENER_TYPE_URL, listener({ http_filters: filters })));
    expect(JSON.stringify(back)).toContain('spiffe://td/ns/a/sa/b');
    expect(JSON.stringify(back)).toContain('"fill_interval":{"seconds":"1"}');
  });
});
