import { describe, expect, it } from 'vitest';
import { parseResource } from './parse-resource.ts';

type Obj = Record<string, unknown>;

const filter = (patches: Obj[], extra: Obj = {}): Obj => ({ apiVersion: 'networking.istio.io/v1alpha3', kind: 'EnvoyFilter', metadata: { name: 'f', namespace: 'shop' }, spec: { configPatches: patches, ...extra } });
const httpFilter = (value: Obj, operation = 'INSERT_BEFORE'): Obj => ({
  applyTo: 'HTTP_FILTER',
  match: { context: 'SIDECAR_INBOUND', listener: { filterChain: { filter: { name: 'envoy.filters.network.http_connection_manager', subFilter: { name: 'envoy.filters.http.router' } } } } },
  patch: { operation, value },
});
const cluster = (value: Obj, operation = 'MERGE'): Obj => ({ applyTo: 'CLUSTER', match: { context: 'SIDECAR_OUTBOUND' }, patch: { operation, value } });
const errorsOf = (input: Obj) => {
  const result = parseResource(input);
  if (result.ok) expect.fail(`accepted ${JSON.stringify(input)}`);
  return result.errors;
};

describe('EnvoyFilter patches decode as Envoy protos', () => {
  it('accepts proto3 JSON in camelCase or snake_case, durations as strings and bare wrapper values', () => {
    const result = parseResource(
      filter([
        httpFilter({ name: 'envoy.filters.http.header_mutation', typedConfig: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.header_mutation.v3.HeaderMutation', mutations: { response_mutations: [{ append: { header: { key: 'x-a', value: 'b' } } }] } } }),
        cluster({ connect_timeout: '2.5s', perConnectionBufferLimitBytes: 65536, circuit_breakers: { thresholds: [{ max_connections: 10 }] } }),
      ]),
    );
    expect(result).toMatchObject({ ok: true, value: { kind: 'EnvoyFilter', apiVersion: 'networking.istio.io/v1' } });
  });

  it('refuses an unknown field, a wrong enum name and a mistyped value with the path inside the value', () => {
    const errors = errorsOf(filter([cluster({ connect_timeot: '1s', lb_policy: 'FASTEST', per_connection_buffer_limit_bytes: 'lots' })]));
    expect(errors).toEqual(
      expect.arrayContaining([
        { path: 'spec.configPatches[0].patch.value.connect_timeot', message: 'unknown field of envoy.config.cluster.v3.Cluster' },
        { path: 'spec.configPatches[0].patch.value.lb_policy', message: expect.stringContaining('must be one of ROUND_ROBIN') },
        { path: 'spec.configPatches[0].patch.value.per_connection_buffer_limit_bytes', message: 'expected a uint32' },
      ]),
    );
  });

  it('refuses the v2-era `config` struct and an unknown typed config type', () => {
    expect(errorsOf(filter([httpFilter({ name: 'envoy.lua', config: { inlineCode: 'x' } })]))).toEqual([{ path: 'spec.configPatches[0].patch.value.config', message: expect.stringContaining('unknown field of envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter') }]);
    expect(errorsOf(filter([httpFilter({ name: 'x', typed_config: { '@type': 'type.googleapis.com/acme.Filter' } })]))).toEqual([{ path: 'spec.configPatches[0].patch.value.typed_config.@type', message: expect.stringContaining('Trellis does not accept this extension') }]);
  });

  it('requires applyTo, an operation that applies to it, and a value where one is needed', () => {
    expect(errorsOf(filter([{ patch: { operation: 'MERGE', value: {} } }]))).toEqual([{ path: 'spec.configPatches[0].applyTo', message: 'applyTo is required' }]);
    expect(errorsOf(filter([{ applyTo: 'ROUTE_CONFIGURATION', patch: { operation: 'ADD', value: { name: 'r' } } }]))).toEqual([{ path: 'spec.configPatches[0].patch.operation', message: 'ADD does not apply to ROUTE_CONFIGURATION; use one of MERGE' }]);
    expect(errorsOf(filter([{ applyTo: 'CLUSTER', patch: { operation: 'MERGE' } }]))).toEqual([{ path: 'spec.configPatches[0].patch.value', message: expect.stringContaining('MERGE needs a value') }]);
    expect(errorsOf(filter([cluster({ type: 'STATIC' }, 'ADD')]))).toEqual([{ path: 'spec.configPatches[0].patch.value.name', message: 'an added cluster needs a name' }]);
    expect(errorsOf(filter([cluster({ name: 'x', type: 'EDS' }, 'ADD')]))).toEqual([{ path: 'spec.configPatches[0].patch.value.type', message: expect.stringContaining('Trellis serves no EDS for it') }]);
    expect(parseResource(filter([{ applyTo: 'CLUSTER', match: { cluster: { service: 'orders.shop.svc.cluster.local' } }, patch: { operation: 'REMOVE' } }])).ok).toBe(true);
  });

  it('refuses what it does not translate as unsupported, with the path', () => {
    expect(errorsOf(filter([{ applyTo: 'BOOTSTRAP', patch: { operation: 'MERGE', value: {} } }]))).toEqual([{ path: 'spec.configPatches[0].applyTo', message: expect.stringMatching(/^EXTENSION_CONFIG, BOOTSTRAP or LISTENER_FILTER is unsupported: /) }]);
    expect(errorsOf(filter([{ ...cluster({}), match: { proxy: { proxyVersion: '^1\\.2.*' } } }]))).toEqual([{ path: 'spec.configPatches[0].match.proxy', message: expect.stringContaining('unsupported') }]);
    expect(errorsOf(filter([cluster({})], { targetRefs: [{ kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'g' }] }))).toEqual([{ path: 'spec.targetRefs', message: expect.stringContaining('unsupported') }]);
    expect(errorsOf(filter([{ ...cluster({}), match: { listener: { portName: 'http' } } }]))[0]!.path).toBe('spec.configPatches[0].match.listener.portName');
  });
});

describe('EnvoyFilter patches may not reach the proxy host', () => {
  const hostile: [string, Obj, string, RegExp][] = [
    ['inline Lua', httpFilter({ name: 'envoy.lua', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua', inline_code: 'os.execute("id")' } }), 'spec.configPatches[0].patch.value.typed_config.@type', /Lua/],
    ['Wasm from a file', httpFilter({ name: 'wasm', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm' } }), 'spec.configPatches[0].patch.value.typed_config.@type', /runs code/],
    ['a dynamic forward proxy', httpFilter({ name: 'dfp', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.dynamic_forward_proxy.v3.FilterConfig' } }), 'spec.configPatches[0].patch.value.typed_config.@type', /dials any host/],
    [
      'a client certificate read from a file',
      cluster({ transport_socket: { name: 'tls', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext', common_tls_context: { tls_certificates: [{ private_key: { filename: '/etc/trellis/key.pem' } }] } } } }),
      'spec.configPatches[0].patch.value.transport_socket.typed_config.common_tls_context.tls_certificates[0].private_key.filename',
      /read files/,
    ],
    ['a secret from the environment', cluster({ transport_socket: { name: 'tls', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext', common_tls_context: { tls_certificates: [{ private_key: { environment_variable: 'AWS_SECRET_ACCESS_KEY' } }] } } } }), 'spec.configPatches[0].patch.value.transport_socket.typed_config.common_tls_context.tls_certificates[0].private_key.environment_variable', /environment/],
    ['the agent\'s Unix socket', cluster({ name: 'sds', load_assignment: { cluster_name: 'sds', endpoints: [{ lb_endpoints: [{ endpoint: { address: { pipe: { path: '/run/trellis/sds.sock' } } } }] }] } }, 'ADD'), 'spec.configPatches[0].patch.value.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.pipe', /Unix sockets/],
    ['Envoy\'s admin port', cluster({ name: 'admin', load_assignment: { cluster_name: 'admin', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: 15000 } } } }] }] } }, 'ADD'), 'spec.configPatches[0].patch.value.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.address', /its own host/],
    [
      'an access log file on the host',
      { applyTo: 'NETWORK_FILTER', match: { context: 'SIDECAR_INBOUND' }, patch: { operation: 'MERGE', value: { typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager', access_log: [{ name: 'f', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog', path: '/etc/cron.d/x' } }] } } } },
      'spec.configPatches[0].patch.value.typed_config.access_log[0].typed_config.path',
      /stdout/,
    ],
    ['config from a file', { applyTo: 'NETWORK_FILTER', match: { context: 'SIDECAR_OUTBOUND' }, patch: { operation: 'MERGE', value: { typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager', rds: { route_config_name: 'r', config_source: { path_config_source: { path: '/etc/passwd' } } } } } } }, 'spec.configPatches[0].patch.value.typed_config.rds.config_source', /files/],
  ];
  it.each(hostile)('refuses %s with the path and the rule', (_name, patch, path, why) => {
    const errors = errorsOf(filter([patch]));
    expect(errors).toEqual([{ path, message: expect.stringMatching(why) }]);
    expect(errors[0]!.message).toMatch(/^unsupported: /);
  });

  it('allows access logs to stdout and stderr, and upstream addresses off the host', () => {
    const log = (path: string) => ({ name: 'f', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog', path } });
    expect(parseResource(filter([{ applyTo: 'NETWORK_FILTER', match: { context: 'SIDECAR_INBOUND' }, patch: { operation: 'MERGE', value: { typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager', access_log: [log('/dev/stdout'), log('/dev/stderr')] } } } }])).ok).toBe(true);
    expect(parseResource(filter([cluster({ name: 'rl', load_assignment: { cluster_name: 'rl', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '10.0.0.5', port_value: 8081 } } } }] }] } }, 'ADD')])).ok).toBe(true);
  });

  it('refuses deep and oversized patches cleanly', () => {
    let deep: Obj = { name: 'x' };
    for (let i = 0; i < 200; i++) deep = { routes: [{ match: { prefix: '/' }, route: { cluster: 'c' }, typed_per_filter_config: {} }], name: `v${i}`, domains: ['*'], n: deep };
    expect(parseResource(filter([{ applyTo: 'VIRTUAL_HOST', patch: { operation: 'ADD', value: deep } }])).ok).toBe(false);
    expect(errorsOf(filter(Array.from({ length: 257 }, () => cluster({}))))[0]!.path).toBe('spec.configPatches');
  });
});

describe('ProxyConfig', () => {
  const pc = (spec: Obj): Obj => ({ apiVersion: 'networking.istio.io/v1beta1', kind: 'ProxyConfig', metadata: { name: 'p' }, spec });
  it('accepts concurrency and environment variables, which the agent applies when it starts Envoy', () => {
    expect(parseResource(pc({ selector: { matchLabels: { app: 'orders' } }, concurrency: 4, environmentVariables: { MY_FLAG: '1' } }))).toMatchObject({ ok: true });
  });
  it('refuses the image as unsupported, reserved variables and bad values with paths', () => {
    expect(errorsOf(pc({ image: { imageType: 'distroless' } }))).toEqual([{ path: 'spec.image', message: expect.stringMatching(/^unsupported: the proxy image is chosen by the injector/) }]);
    expect(errorsOf(pc({ environmentVariables: { LD_PRELOAD: '/tmp/x.so' } }))).toEqual([{ path: 'spec.environmentVariables.LD_PRELOAD', message: expect.stringContaining('reserved') }]);
    expect(errorsOf(pc({ concurrency: -1 }))[0]!.path).toBe('spec.concurrency');
    expect(errorsOf(pc({ environmentVariables: { '1BAD': 'x' } }))[0]!.path).toMatch(/^spec\.environmentVariables/);
  });
});
