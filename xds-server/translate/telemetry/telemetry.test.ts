import { describe, expect, it } from 'vitest';
import type { MeshSettingsInput } from '../../../core/mesh/mesh-settings.ts';
import { parseDocuments } from '../../../core/resources/documents.ts';
import { parseResource } from '../../../core/resources/parse-resource.ts';
import { buildMeshIndex, translateGateway, translateSidecarInbound, translateSidecarShared, type ProxyDescriptor, type TranslationResult } from '../index.ts';

const SERVICES = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: web, namespace: shop }
spec:
  hosts: [web.shop.svc.cluster.local]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{ number: 80, name: http, protocol: HTTP }, { number: 5432, name: tcp, protocol: TCP }]
  endpoints: [{ address: 10.0.0.1 }]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: collector, namespace: observability }
spec:
  hosts: [otel.observability.svc.cluster.local]
  location: MESH_INTERNAL
  resolution: STATIC
  exportTo: ['.']
  ports: [{ number: 4317, name: grpc, protocol: GRPC }]
  endpoints: [{ address: 10.0.0.9 }]
`;

const SETTINGS: MeshSettingsInput = {
  extensionProviders: [
    { name: 'stdout', envoyFileAccessLog: { path: '/dev/stdout' } },
    { name: 'json', envoyFileAccessLog: { path: '/dev/stdout', logFormat: { labels: {} } } },
    { name: 'zipkin', zipkin: { service: 'zipkin.example.com', port: 9411 } },
    { name: 'otel', opentelemetry: { service: 'otel.observability.svc.cluster.local', port: 4317 } },
    { name: 'prom', prometheus: {} },
  ],
};

function index(yaml: string, settings: MeshSettingsInput = SETTINGS) {
  const docs = parseDocuments(yaml ? `${SERVICES}---\n${yaml}` : SERVICES);
  if (!docs.ok) throw new Error(JSON.stringify(docs.errors));
  const resources = docs.value.map((d) => {
    const r = parseResource(d);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    return r.value;
  });
  return buildMeshIndex({ tenantId: 't', mesh: 'm', revision: 1, settings, resources, workloads: [] });
}

const sidecar = (labels: Record<string, string>, namespace = 'shop'): ProxyDescriptor => ({ kind: 'sidecar', namespace, serviceAccount: 'a', workload: 'a', labels, inbound: { port: 8080, bindAddress: '127.0.0.1' } });

type Obj = Record<string, unknown>;
/** Every network filter's typed config, by filter name. */
function filters(result: TranslationResult, name: string): Obj[] {
  return result.listeners.flatMap((l) => ((l.resource['filter_chains'] as Obj[] | undefined) ?? []).flatMap((c) => (c['filters'] as Obj[]).filter((f) => f['name'] === name).map((f) => f['typed_config'] as Obj)));
}
const hcms = (r: TranslationResult) => filters(r, 'envoy.filters.network.http_connection_manager');
const tcpProxies = (r: TranslationResult) => filters(r, 'envoy.filters.network.tcp_proxy');

describe('Telemetry translation', () => {
  it('changes nothing without Telemetry or default providers', () => {
    const shared = translateSidecarShared(index(''), sidecar({ app: 'a' }));
    expect(hcms(shared).length).toBeGreaterThan(0);
    expect(hcms(shared).every((h) => !('access_log' in h) && !('tracing' in h))).toBe(true);
  });

  it('logs mesh-wide from the root namespace on HTTP managers and TCP proxies, both sides', () => {
    const idx = index(`
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata: { name: mesh-default, namespace: istio-system }
spec: { accessLogging: [{ providers: [{ name: stdout }] }] }
`);
    const shared = translateSidecarShared(idx, sidecar({ app: 'a' }));
    const inbound = translateSidecarInbound(idx, sidecar({ app: 'a' }));
    for (const config of [...hcms(shared), ...tcpProxies(shared), ...hcms(inbound)]) {
      expect(config['access_log']).toEqual([{ name: 'envoy.access_loggers.file', typed_config: expect.objectContaining({ path: '/dev/stdout', log_format: { text_format_source: { inline_string: expect.stringMatching(/^\[%START_TIME%\] "%REQ\(:METHOD\)%/) } } }) }]);
    }
    expect(tcpProxies(shared).length).toBeGreaterThan(0);
  });

  it('lets a namespace replace the providers and a workload disable its server side, with CEL filters', () => {
    const idx = index(`
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata: { name: mesh-default, namespace: istio-system }
spec: { accessLogging: [{ providers: [{ name: stdout }] }] }
---
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata: { name: shop, namespace: shop }
spec: { accessLogging: [{ providers: [{ name: json }], filter: { expression: 'response.code >= 500' } }] }
---
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata: { name: quiet, namespace: shop }
spec:
  selector: { matchLabels: { app: quiet } }
  accessLogging: [{ match: { mode: SERVER }, disabled: true }]
`);
    const logs = (r: TranslationResult) => hcms(r).map((h) => h['access_log'] as Obj[] | undefined);
    const loud = logs(translateSidecarShared(idx, sidecar({ app: 'loud' })));
    expect(loud[0]).toEqual([
      {
        name: 'envoy.access_loggers.file',
        filter: { extension_filter: { name: 'envoy.access_loggers.extension_filters.cel', typed_config: expect.objectContaining({ expression: 'response.code >= 500' }) } },
        typed_config: expect.objectContaining({ log_format: { json_format: { fields: expect.objectContaining({ response_code: { stringValue: '%RESPONSE_CODE%' } }) } } }),
      },
    ]);
    expect(logs(translateSidecarInbound(idx, sidecar({ app: 'quiet' })))).toEqual([undefined]);
    expect(logs(translateSidecarShared(idx, sidecar({ app: 'quiet' })))[0]).toHaveLength(1);
    // Another namespace only gets the mesh-wide text log.
    expect(logs(translateSidecarShared(idx, sidecar({ app: 'x' }, 'other')))[0]?.[0]).not.toHaveProperty('filter');
  });

  it('sends access logs over OTLP/gRPC for envoyOtelAls: the text format as the body or labels as attributes, through a gRPC cluster of its own', () => {
    const settings: MeshSettingsInput = {
      extensionProviders: [
        { name: 'als', envoyOtelAls: { service: 'collector.example.com', port: 4317 } },
        { name: 'als-json', envoyOtelAls: { service: 'collector.example.com', port: 4317, logName: 'mesh', logFormat: { labels: { code: '%RESPONSE_CODE%' } } } },
      ],
      defaultProviders: { accessLogging: ['als'] },
    };
    const idx = index(
      `
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata: { name: json, namespace: shop }
spec:
  selector: { matchLabels: { app: json } }
  accessLogging: [{ providers: [{ name: als-json }], filter: { expression: 'response.code >= 500' } }]
`,
      settings,
    );
    const plain = translateSidecarShared(idx, sidecar({ app: 'a' }, 'other'));
    const cluster = 'telemetry|collector.example.com|4317|grpc';
    expect(hcms(plain)[0]?.['access_log']).toEqual([
      {
        name: 'envoy.access_loggers.open_telemetry',
        typed_config: {
          '@type': 'type.googleapis.com/envoy.extensions.access_loggers.open_telemetry.v3.OpenTelemetryAccessLogConfig',
          common_config: { log_name: 'otel_envoy_accesslog', grpc_service: { envoy_grpc: { cluster_name: cluster, authority: 'collector.example.com' } }, transport_api_version: 'V3' },
          body: { string_value: expect.stringMatching(/^\[%START_TIME%\] "%REQ\(:METHOD\)%/) },
        },
      },
    ]);
    expect(plain.clusters.find((c) => c.name === cluster)?.resource).toMatchObject({ type: 'STRICT_DNS', typed_extension_protocol_options: expect.any(Object) });
    const json = hcms(translateSidecarInbound(idx, sidecar({ app: 'json' })))[0]?.['access_log'] as Obj[];
    expect(json).toEqual([
      {
        name: 'envoy.access_loggers.open_telemetry',
        filter: expect.objectContaining({ extension_filter: expect.objectContaining({ typed_config: expect.objectContaining({ expression: 'response.code >= 500' }) }) }),
        typed_config: expect.objectContaining({ common_config: expect.objectContaining({ log_name: 'mesh' }), attributes: { values: [{ key: 'code', value: { string_value: '%RESPONSE_CODE%' } }] } }),
      },
    ]);
    expect(json[0]!['typed_config']).not.toHaveProperty('body');
  });

  it('leaves out an envoyOtelAls logger whose collector the proxy may not reach, and says why', () => {
    const settings: MeshSettingsInput = { extensionProviders: [{ name: 'als', envoyOtelAls: { service: 'otel.observability.svc.cluster.local', port: 4317 } }], defaultProviders: { accessLogging: ['als'] } };
    const shared = translateSidecarShared(index('', settings), sidecar({ app: 'a' }));
    expect(hcms(shared).every((h) => !('access_log' in h))).toBe(true);
    expect(shared.issues).toContainEqual({ resource: 'MeshSettings', field: 'extensionProviders', message: expect.stringContaining('otel.observability.svc.cluster.local is not exported to namespace shop') });
  });

  it('carries metric overrides in each side\'s listener metadata: levels in order, per mode, only for prometheus providers', () => {
    const idx = index(`
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata: { name: mesh-default, namespace: istio-system }
spec:
  metrics:
    - providers: [{ name: prom }]
      overrides:
        - match: { metric: REQUEST_DURATION, mode: CLIENT }
          disabled: true
        - tagOverrides: { request_protocol: { operation: REMOVE } }
    - providers: [{ name: otel }]
      overrides: [{ disabled: true }]
---
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata: { name: shop, namespace: shop }
spec:
  metrics:
    - overrides:
        - match: { metric: REQUEST_DURATION }
          disabled: false
        - match: { metric: REQUEST_COUNT, mode: SERVER }
          tagOverrides: { response_code: { operation: REMOVE } }
`);
    const carried = (r: TranslationResult) =>
      r.listeners.map((l) => ((l.resource['metadata'] as Obj | undefined)?.['filter_metadata'] as Obj | undefined)?.['trellis.io/metric-overrides'] as { fields: { json: { stringValue: string } } } | undefined).map((m) => (m ? JSON.parse(m.fields.json.stringValue) : undefined));
    const tcp = { removeTags: ['request_protocol'] };
    const everyTcp = { istio_tcp_connections_opened_total: tcp, istio_tcp_connections_closed_total: tcp, istio_tcp_sent_bytes_total: tcp, istio_tcp_received_bytes_total: tcp };
    // Other namespaces: the mesh level alone (the otel entry names no prometheus provider, so it is not applied).
    for (const c of carried(translateSidecarShared(idx, sidecar({ app: 'a' }, 'other')))) {
      expect(c).toEqual({ side: 'CLIENT', overrides: { istio_requests_total: tcp, istio_request_duration_milliseconds: { disabled: true }, istio_request_bytes: tcp, istio_response_bytes: tcp, ...everyTcp } });
    }
    // shop: the namespace level turns the durations back on and removes response_code on the server side.
    expect(carried(translateSidecarShared(idx, sidecar({ app: 'a' })))[0]?.overrides.istio_request_duration_milliseconds).toEqual(tcp);
    expect(carried(translateSidecarInbound(idx, sidecar({ app: 'a' })))).toContainEqual({ side: 'SERVER', overrides: expect.objectContaining({ istio_requests_total: { removeTags: ['request_protocol', 'response_code'] } }) });
    // Without overrides the listeners carry nothing.
    expect(carried(translateSidecarShared(index(''), sidecar({ app: 'a' }))).every((c) => c === undefined)).toBe(true);
  });

  it('traces with the mesh default provider, the workload rate and merged custom tags; an own cluster for an unregistered backend', () => {
    const idx = index(
      `
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata: { name: mesh-default, namespace: istio-system }
spec: { tracing: [{ customTags: { team: { literal: { value: core } } } }] }
---
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata: { name: web, namespace: shop }
spec:
  selector: { matchLabels: { app: web } }
  tracing: [{ randomSamplingPercentage: 25, customTags: { user: { header: { name: x-user } } } }]
`,
      { ...SETTINGS, defaultProviders: { tracing: ['zipkin'] } },
    );
    const shared = translateSidecarShared(idx, sidecar({ app: 'web' }));
    expect(hcms(shared)[0]!['tracing']).toEqual({
      provider: { name: 'envoy.tracers.zipkin', typed_config: expect.objectContaining({ collector_cluster: 'telemetry|zipkin.example.com|9411', collector_hostname: 'zipkin.example.com', collector_endpoint: '/api/v2/spans' }) },
      random_sampling: { value: 25 },
      client_sampling: { value: 25 },
      custom_tags: [{ tag: 'team', literal: { value: 'core' } }, { tag: 'user', request_header: { name: 'x-user' } }],
    });
    expect(shared.clusters.map((c) => c.name)).toContain('telemetry|zipkin.example.com|9411');
    // Mesh-wide default: 1% (Istio's default sampling).
    expect((hcms(translateSidecarShared(idx, sidecar({ app: 'other' })))[0]!['tracing'] as Obj)['random_sampling']).toEqual({ value: 1 });
    // Gateways trace as CLIENT.
    expect(translateGateway(idx, { ...sidecar({ istio: 'ingressgateway' }), kind: 'gateway', inbound: undefined }).clusters.map((c) => c.name)).toContain('telemetry|zipkin.example.com|9411');
  });

  it('reports, and does not apply, providers that are missing, of the wrong kind or not exported to the proxy', () => {
    const idx = index(`
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata: { name: mesh-default, namespace: istio-system }
spec:
  tracing: [{ providers: [{ name: otel }] }]
  accessLogging: [{ providers: [{ name: nope }, { name: zipkin }] }]
  metrics: [{ providers: [{ name: stdout }] }]
`);
    const shared = translateSidecarShared(idx, sidecar({ app: 'a' }));
    expect(hcms(shared).every((h) => !('access_log' in h) && !('tracing' in h))).toBe(true);
    expect(shared.issues).toEqual(
      expect.arrayContaining([
        { resource: 'Telemetry/istio-system/mesh-default', field: 'spec.accessLogging[0].providers[0].name', message: 'provider "nope" is not one of the mesh\'s extensionProviders; not applied' },
        { resource: 'Telemetry/istio-system/mesh-default', field: 'spec.accessLogging[0].providers[1].name', message: expect.stringContaining('is not a accessLogging provider') },
        { resource: 'Telemetry/istio-system/mesh-default', field: 'spec.metrics[0].providers[0].name', message: expect.stringContaining('is not a metrics provider') },
        { resource: 'MeshSettings', field: 'extensionProviders', message: expect.stringContaining('otel.observability.svc.cluster.local is not exported to namespace shop') },
      ]),
    );
  });
});
