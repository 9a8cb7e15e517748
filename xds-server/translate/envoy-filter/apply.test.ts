import { describe, expect, it } from 'vitest';
import { parseResource, type IstioResource } from '../../../core/resources/index.ts';
import { CLUSTER_TYPE_URL, encodeResource, LISTENER_TYPE_URL, ROUTE_TYPE_URL } from '../../protos/index.ts';
import { buildMeshIndex, translateGateway, translateSidecar, translateSidecarInbound, translateSidecarShared } from '../index.ts';
import { meshService, sidecar } from '../testing/resources.ts';
import type { Named, TranslationResult } from '../translation-result.ts';
import type { ProxyDescriptor } from '../proxy-descriptor.ts';

type Obj = Record<string, unknown>;

function envoyFilter(namespace: string, name: string, spec: Obj): IstioResource {
  const parsed = parseResource({ apiVersion: 'networking.istio.io/v1alpha3', kind: 'EnvoyFilter', metadata: { name, namespace }, spec });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.value;
}

const HCM = 'envoy.filters.network.http_connection_manager';
const headerFilter = (value: string) => ({
  name: 'envoy.filters.http.header_mutation',
  typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.header_mutation.v3.HeaderMutation', mutations: { response_mutations: [{ append: { header: { key: 'x-patched', value } } }] } },
});
const insertBeforeRouter = (context: string, value: string) => ({
  applyTo: 'HTTP_FILTER',
  match: { context, listener: { filterChain: { filter: { name: HCM, subFilter: { name: 'envoy.filters.http.router' } } } } },
  patch: { operation: 'INSERT_BEFORE', value: headerFilter(value) },
});

const inboundProxy: ProxyDescriptor = sidecar('shop', { labels: { app: 'a' }, inbound: { port: 8080, bindAddress: '10.0.0.1' } });
const build = (resources: IstioResource[]) => buildMeshIndex({ tenantId: 't', mesh: 'm', revision: 1, settings: {}, resources: [meshService('shop', 'a'), meshService('shop', 'b'), ...resources], workloads: [] });

const httpFilterNames = (listener: Named | undefined) => {
  const chains = (listener?.resource['filter_chains'] ?? []) as Obj[];
  const hcm = (chains[0]!['filters'] as Obj[]).find((f) => f['name'] === HCM)!;
  return ((hcm['typed_config'] as Obj)['http_filters'] as Obj[]).map((f) => f['name']);
};
const byName = (list: Named[], name: string) => list.find((n) => n.name === name);

function expectEncodes(result: TranslationResult) {
  for (const c of result.clusters) encodeResource(CLUSTER_TYPE_URL, c.resource);
  for (const l of result.listeners) encodeResource(LISTENER_TYPE_URL, l.resource);
  for (const r of result.routes) encodeResource(ROUTE_TYPE_URL, r.resource);
}

describe('applyEnvoyFilters', () => {
  it('inserts an HTTP filter before the router of the inbound listener only, and the result encodes', () => {
    const index = build([envoyFilter('shop', 'hdr', { workloadSelector: { labels: { app: 'a' } }, configPatches: [insertBeforeRouter('SIDECAR_INBOUND', 'in')] })]);
    const result = translateSidecar(index, inboundProxy);
    const inbound = result.listeners.find((l) => l.name.startsWith('inbound|'));
    expect(httpFilterNames(inbound).slice(-2)).toEqual(['envoy.filters.http.header_mutation', 'envoy.filters.http.router']);
    for (const l of result.listeners.filter((x) => !x.name.startsWith('inbound|'))) expect(httpFilterNames(l)).not.toContain('envoy.filters.http.header_mutation');
    expectEncodes(result);
  });

  it('leaves proxies the selector does not pick, and other namespaces, exactly as translated (the same objects)', () => {
    const index = build([envoyFilter('shop', 'hdr', { workloadSelector: { labels: { app: 'other' } }, configPatches: [insertBeforeRouter('ANY', 'x')] }), envoyFilter('elsewhere', 'hdr', { configPatches: [insertBeforeRouter('ANY', 'x')] })]);
    const plain = buildMeshIndex({ tenantId: 't', mesh: 'm', revision: 1, settings: {}, resources: [meshService('shop', 'a'), meshService('shop', 'b')], workloads: [] });
    expect(JSON.stringify(translateSidecar(index, inboundProxy))).toEqual(JSON.stringify(translateSidecar(plain, inboundProxy)));
  });

  it('merges a cluster field with proto semantics, removes a cluster, and applies the root namespace to every proxy', () => {
    const index = build([
      envoyFilter('istio-system', 'mesh-wide', { configPatches: [{ applyTo: 'CLUSTER', match: { context: 'SIDECAR_OUTBOUND', cluster: { service: 'a.shop.svc.cluster.local' } }, patch: { operation: 'MERGE', value: { per_connection_buffer_limit_bytes: 32768, connect_timeout: '2s', circuit_breakers: { thresholds: [{ max_connections: 7 }] } } } }] }),
      envoyFilter('shop', 'drop-b', { configPatches: [{ applyTo: 'CLUSTER', match: { cluster: { service: 'b.shop.svc.cluster.local', portNumber: 80 } }, patch: { operation: 'REMOVE' } }] }),
    ]);
    const result = translateSidecarShared(index, sidecar('shop'));
    const a = byName(result.clusters, 'outbound|80||a.shop.svc.cluster.local')!.resource;
    expect(a).toMatchObject({ name: 'outbound|80||a.shop.svc.cluster.local', per_connection_buffer_limit_bytes: { value: 32768 }, connect_timeout: { seconds: 2, nanos: 0 } });
    expect((a['circuit_breakers'] as { thresholds: Obj[] }).thresholds.at(-1)).toEqual({ max_connections: { value: 7 } });
    expect(byName(result.clusters, 'outbound|80||b.shop.svc.cluster.local')).toBeUndefined();
    expectEncodes(result);
  });

  it('adds a cluster once: to the shared part for outbound context, never again with the inbound part', () => {
    const add = { applyTo: 'CLUSTER', match: { context: 'SIDECAR_OUTBOUND' }, patch: { operation: 'ADD', value: { name: 'extra', type: 'STRICT_DNS', connect_timeout: '1s', load_assignment: { cluster_name: 'extra', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 'extra.example.com', port_value: 80 } } } }] }] } } } };
    const index = build([envoyFilter('shop', 'add', { configPatches: [add] })]);
    expect(translateSidecarShared(index, inboundProxy).clusters.filter((c) => c.name === 'extra')).toHaveLength(1);
    expect(translateSidecarInbound(index, inboundProxy).clusters.filter((c) => c.name === 'extra')).toHaveLength(0);
    expect(translateSidecar(index, inboundProxy).clusters.filter((c) => c.name === 'extra')).toHaveLength(1);
  });

  it('patches route configurations, virtual hosts and routes, in priority order', () => {
    const vhostHeader = (value: string) => ({ applyTo: 'VIRTUAL_HOST', match: { context: 'SIDECAR_OUTBOUND' }, patch: { operation: 'MERGE', value: { response_headers_to_add: [{ header: { key: 'x-order', value } }] } } });
    const index = build([
      envoyFilter('shop', 'b-late', { priority: 10, configPatches: [vhostHeader('second')] }),
      envoyFilter('shop', 'a-early', { priority: -5, configPatches: [vhostHeader('first'), { applyTo: 'ROUTE_CONFIGURATION', match: { context: 'SIDECAR_OUTBOUND' }, patch: { operation: 'MERGE', value: { max_direct_response_body_size_bytes: 2048 } } }] }),
      envoyFilter('shop', 'routes', { configPatches: [{ applyTo: 'HTTP_ROUTE', match: { context: 'SIDECAR_OUTBOUND', routeConfiguration: { vhost: { route: { action: 'ROUTE' } } } }, patch: { operation: 'MERGE', value: { route: { idle_timeout: '15s' } } } }] }),
    ]);
    const result = translateSidecarShared(index, sidecar('shop'));
    const config = result.routes[0]!.resource;
    expect(config['max_direct_response_body_size_bytes']).toEqual({ value: 2048 });
    const vhosts = config['virtual_hosts'] as Obj[];
    for (const v of vhosts) {
      expect((v['response_headers_to_add'] as { header: { value: string } }[]).map((h) => h.header.value)).toEqual(['first', 'second']);
      for (const r of v['routes'] as Obj[]) if ('route' in r) expect((r['route'] as Obj)['idle_timeout']).toEqual({ seconds: 15, nanos: 0 });
    }
    expectEncodes(result);
  });

  it('patches gateways in the GATEWAY context only', () => {
    const gw = envoyFilter('shop', 'gw', { configPatches: [insertBeforeRouter('GATEWAY', 'gw')] });
    const gateway = { apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'g', namespace: 'shop' }, spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }] } } as IstioResource;
    const vs = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'v', namespace: 'shop' }, spec: { hosts: ['*'], gateways: ['g'], http: [{ route: [{ destination: { host: 'a.shop.svc.cluster.local' } }] }] } } as IstioResource;
    const index = build([gw, gateway, vs]);
    const result = translateGateway(index, { kind: 'gateway', namespace: 'shop', serviceAccount: 'gw', workload: 'gw', labels: { istio: 'ingressgateway' }, inbound: undefined });
    expect(result.listeners.length).toBeGreaterThan(0);
    for (const l of result.listeners) expect(httpFilterNames(l)).toContain('envoy.filters.http.header_mutation');
    for (const l of translateSidecarShared(index, sidecar('shop')).listeners) expect(httpFilterNames(l)).not.toContain('envoy.filters.http.header_mutation');
    expectEncodes(result);
  });
});
