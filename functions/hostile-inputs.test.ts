import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiHarness, type ApiHarness } from './testing/api-harness.ts';

/** Every case is answered with a 4xx naming the problem, and the store is left exactly as it was. */
interface Case {
  name: string;
  method?: string;
  path?: string;
  body?: string;
  contentType?: string;
  headers?: Record<string, string>;
  status: number;
  says: RegExp;
}

const VS_PATH = '/v1/meshes/prod/resources/virtualservices/shop/reviews';
const vs = (spec: unknown, meta: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'reviews', namespace: 'shop', ...meta }, spec, ...extra });
const route = (over: Record<string, unknown> = {}) => ({ route: [{ destination: { host: 'reviews' } }], ...over });
const dr = (name: string, labels: Record<string, string>) =>
  JSON.stringify({ apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name, namespace: 'shop' }, spec: { host: 'reviews', subsets: [{ name: 'v1', labels }] } });
const se = (port: number) =>
  JSON.stringify({ apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 'ext', namespace: 'shop' }, spec: { hosts: ['api.example.com'], ports: [{ number: port, name: 'https', protocol: 'TLS' }], resolution: 'DNS' } });

const WG_PATH = '/v1/meshes/prod/resources/workloadgroups/shop/vms';
const wg = (spec: unknown) => JSON.stringify({ apiVersion: 'networking.istio.io/v1', kind: 'WorkloadGroup', metadata: { name: 'vms', namespace: 'shop' }, spec });

const billionLaughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]', ...Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`)].join('\n');

const cases: Case[] = [
  { name: 'broken JSON', body: '{"apiVersion": ', status: 400, says: /JSON|YAML|parse|unexpected/i },
  { name: 'JSON with trailing garbage', body: `${vs({ hosts: ['reviews'], http: [route()] })} }}}`, status: 400, says: /YAML|JSON|unexpected|document/i },
  { name: 'YAML billion laughs', body: billionLaughs, contentType: 'application/yaml', status: 400, says: /alias/i },
  { name: 'deeply nested JSON', body: `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`, status: 400, says: /depth|nest/i },
  { name: 'deeply nested YAML flow', body: `a: ${'{b: '.repeat(200)}1${'}'.repeat(200)}`, contentType: 'application/yaml', status: 400, says: /depth|nest/i },
  { name: 'oversized resource body', body: vs({ hosts: ['reviews'], http: [route()] }, { annotations: { big: 'x'.repeat(300_000) } }), status: 413, says: /at most \d+ bytes/ },
  { name: 'oversized apply body', method: 'POST', path: '/v1/meshes/prod/apply', body: `[${Array.from({ length: 5000 }, () => vs({ hosts: ['r'], http: [route()] }, { annotations: { pad: 'x'.repeat(900) } })).join(',')}]`, status: 413, says: /at most \d+ bytes/ },
  { name: 'too many documents in an apply', method: 'POST', path: '/v1/meshes/prod/apply', body: Array.from({ length: 501 }, (_, i) => `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: r${i}, namespace: shop}\nspec: {hosts: [r]}`).join('\n---\n'), contentType: 'application/yaml', status: 400, says: /documents/i },
  { name: 'HTML content type', body: '<html></html>', contentType: 'text/html', status: 415, says: /application\/json or application\/yaml/ },
  { name: 'no content type', body: vs({ hosts: ['reviews'] }), contentType: '', status: 415, says: /content type/ },
  { name: 'empty body', body: '', status: 400, says: /empty/i },
  { name: 'JSON null', body: 'null', status: 400, says: /object|document/i },
  { name: 'scalar document', body: '42', status: 400, says: /object|document/i },
  { name: 'array body for one resource', body: `[${vs({ hosts: ['reviews'], http: [route()] })}]`, status: 400, says: /one document/i },
  { name: 'two documents for one resource', body: 'apiVersion: networking.istio.io/v1\nkind: VirtualService\n---\napiVersion: networking.istio.io/v1\nkind: VirtualService\n', contentType: 'application/yaml', status: 400, says: /one document/i },
  { name: 'kind does not match path', body: JSON.stringify({ apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'reviews', namespace: 'shop' }, spec: { servers: [] } }), status: 400, says: /Gateway|kind/ },
  { name: 'unknown kind in body', body: JSON.stringify({ apiVersion: 'networking.istio.io/v1', kind: 'Pod', metadata: { name: 'reviews' }, spec: {} }), status: 400, says: /kind/i },
  { name: 'wrong API group', body: JSON.stringify({ apiVersion: 'security.istio.io/v1', kind: 'VirtualService', metadata: { name: 'reviews', namespace: 'shop' }, spec: { hosts: ['r'] } }), status: 400, says: /apiVersion/ },
  { name: 'unsupported API version', body: JSON.stringify({ apiVersion: 'networking.istio.io/v2', kind: 'VirtualService', metadata: { name: 'reviews', namespace: 'shop' }, spec: { hosts: ['r'] } }), status: 400, says: /apiVersion/ },
  { name: 'unknown top-level field', body: vs({ hosts: ['reviews'] }, {}, { extra: true }), status: 400, says: /extra/ },
  { name: 'unknown spec field', body: vs({ hosts: ['reviews'], htp: [] }), status: 400, says: /spec\.htp/ },
  { name: 'unknown nested field', body: vs({ hosts: ['reviews'], http: [route({ retires: { attempts: 3 } })] }), status: 400, says: /spec\.http\[0\]\.retires/ },
  { name: 'name not a DNS label in path', path: '/v1/meshes/prod/resources/virtualservices/shop/Bad_Name', body: vs({ hosts: ['r'] }), status: 400, says: /DNS label/ },
  { name: 'namespace not a DNS label in path', path: '/v1/meshes/prod/resources/virtualservices/-shop/reviews', body: vs({ hosts: ['r'] }), status: 400, says: /DNS label/ },
  { name: 'upper-case name in apply', method: 'POST', path: '/v1/meshes/prod/apply', body: `[${vs({ hosts: ['r'] }, { name: 'Reviews' })}]`, status: 400, says: /metadata\.name/ },
  { name: '64-character name', method: 'POST', path: '/v1/meshes/prod/apply', body: `[${vs({ hosts: ['r'] }, { name: 'a'.repeat(64) })}]`, status: 400, says: /metadata\.name/ },
  { name: 'label value too long', body: vs({ hosts: ['r'] }, { labels: { app: 'x'.repeat(64) } }), status: 400, says: /metadata\.labels/ },
  { name: 'weights that sum to 90', body: vs({ hosts: ['reviews'], http: [{ route: [{ destination: { host: 'a' }, weight: 80 }, { destination: { host: 'b' }, weight: 10 }] }] }), status: 400, says: /100/ },
  { name: 'negative weight', body: vs({ hosts: ['reviews'], http: [{ route: [{ destination: { host: 'a' }, weight: -10 }, { destination: { host: 'b' }, weight: 110 }] }] }), status: 400, says: /weight/ },
  { name: 'duration without unit', body: vs({ hosts: ['reviews'], http: [route({ timeout: '5' })] }), status: 400, says: /spec\.http\[0\]\.timeout/ },
  { name: 'duration in days', body: vs({ hosts: ['reviews'], http: [route({ retries: { attempts: 2, perTryTimeout: '1d' } })] }), status: 400, says: /perTryTimeout/ },
  { name: 'regex with lookahead', body: vs({ hosts: ['reviews'], http: [route({ match: [{ uri: { regex: '^/api(?=/v1)' } }] })] }), status: 400, says: /regex|RE2/i },
  { name: 'regex with backreference', body: vs({ hosts: ['reviews'], http: [route({ match: [{ headers: { x: { regex: '(a)\\1' } } }] })] }), status: 400, says: /regex|RE2/i },
  { name: 'duplicate route names', body: vs({ hosts: ['reviews'], http: [route({ name: 'r' }), route({ name: 'r' })] }), status: 400, says: /duplicate|r/ },
  { name: 'subset with empty labels', path: '/v1/meshes/prod/resources/destinationrules/shop/empty', body: dr('empty', {}), status: 400, says: /labels/ },
  { name: 'subset redefined with other labels', path: '/v1/meshes/prod/resources/destinationrules/shop/second', body: dr('second', { version: 'v9' }), status: 400, says: /subset|labels/i },
  { name: 'port above 65535', path: '/v1/meshes/prod/resources/serviceentries/shop/ext', body: se(70000), status: 400, says: /spec\.ports\[0\]\.number/ },
  { name: 'port zero', path: '/v1/meshes/prod/resources/serviceentries/shop/ext', body: se(0), status: 400, says: /spec\.ports\[0\]\.number/ },
  { name: 'WorkloadGroup health probe', path: WG_PATH, body: wg({ template: { serviceAccount: 'reviews' }, probe: { httpGet: { path: '/ready', port: 8080 } } }), status: 400, says: /spec\.probe.*unsupported/ },
  { name: 'WorkloadGroup template address', path: WG_PATH, body: wg({ template: { serviceAccount: 'reviews', address: '10.0.0.1' } }), status: 400, says: /spec\.template\.address/ },
  { name: 'WorkloadGroup service account not a DNS label', path: WG_PATH, body: wg({ template: { serviceAccount: 'system:serviceaccount:shop:reviews' } }), status: 400, says: /spec\.template\.serviceAccount/ },
  { name: 'WorkloadGroup without template', path: WG_PATH, body: wg({ metadata: { labels: { app: 'reviews' } } }), status: 400, says: /spec\.template/ },
  { name: 'WorkloadGroup prototype key in template labels', path: WG_PATH, body: `{"apiVersion": "networking.istio.io/v1", "kind": "WorkloadGroup", "metadata": {"name": "vms", "namespace": "shop"}, "spec": {"template": {"labels": {"__proto__": {"polluted": true}}}}}`, status: 400, says: /__proto__/ },
  { name: 'prototype pollution key', body: '{"__proto__": {"polluted": true}, "apiVersion": "networking.istio.io/v1", "kind": "VirtualService", "metadata": {"name": "reviews", "namespace": "shop"}, "spec": {"hosts": ["r"]}}', status: 400, says: /__proto__/ },
  { name: 'YAML code tag', body: 'apiVersion: !!js/function "function(){}"\nkind: VirtualService\n', contentType: 'application/yaml', status: 400, says: /tag/i },
  { name: 'YAML duplicate keys', body: 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nkind: Gateway\n', contentType: 'application/yaml', status: 400, says: /duplicate|unique/i },
  { name: 'binary control characters', body: '\u00ff\u00fe\u0000\u0001', status: 400, says: /JSON|YAML|object|document|control/i },
  { name: 'mesh name not a DNS label', method: 'PUT', path: '/v1/meshes/Prod_1', body: '{}', status: 400, says: /DNS label/ },
  { name: 'unknown mesh setting', method: 'PUT', path: '/v1/meshes/prod', body: '{"autoscale": true}', status: 400, says: /autoscale/ },
  { name: 'malformed If-Match', body: vs({ hosts: ['r'], http: [route()] }), headers: { 'if-match': 'yesterday' }, status: 400, says: /If-Match/ },
  { name: 'If-None-Match other than *', body: vs({ hosts: ['r'], http: [route()] }), headers: { 'if-none-match': '"3"' }, status: 400, says: /If-None-Match/ },
  { name: 'limit zero', method: 'GET', path: '/v1/meshes/prod/resources/virtualservices?limit=0', status: 400, says: /limit/ },
  { name: 'limit not a number', method: 'GET', path: '/v1/meshes/prod/resources/virtualservices?limit=ten', status: 400, says: /limit/ },
  { name: 'malformed cursor', method: 'GET', path: '/v1/meshes/prod/revisions?cursor=%27%20OR%201%3D1', status: 400, says: /cursor/ },
  { name: 'revision not a number', method: 'GET', path: '/v1/meshes/prod/revisions/latest', status: 400, says: /revision/ },
  { name: 'rollback to a string', method: 'POST', path: '/v1/meshes/prod/rollback', body: '{"toRevision": "one"}', status: 400, says: /toRevision/ },
  { name: 'rollback with unknown field', method: 'POST', path: '/v1/meshes/prod/rollback', body: '{"toRevision": 0, "force": true}', status: 400, says: /force/ },
  { name: 'dryRun neither true nor false', method: 'POST', path: '/v1/meshes/prod/apply?dryRun=maybe', body: '[]', status: 400, says: /dryRun/ },
  { name: 'tenant id with capitals', method: 'POST', path: '/v1/tenants', body: '{"id": "ACME"}', status: 400, says: /id/ },
];

let h: ApiHarness;
let before: string;

async function storeState(): Promise<string> {
  const mesh = await h.store.getMesh('default', 'prod');
  const snapshot = await h.store.snapshot('default', 'prod');
  const tenants = await h.store.listTenants();
  return JSON.stringify({ mesh, snapshot, tenants });
}

beforeAll(async () => {
  h = await apiHarness();
  await h.call('PUT', '/v1/meshes/prod', { body: {} });
  const first = await h.call('PUT', '/v1/meshes/prod/resources/destinationrules/shop/first', { body: dr('first', { version: 'v1' }) });
  expect(first.status).toBe(201);
  before = await storeState();
});
afterAll(async () => h.close());

describe('malformed, hostile and oversized input', () => {
  it('has at least 40 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s → 4xx with a useful message, nothing stored', async (_name, c) => {
    const headers: Record<string, string> = { ...c.headers };
    headers['content-type'] = c.contentType ?? 'application/json';
    const res = await h.call(c.method ?? 'PUT', c.path ?? VS_PATH, { body: c.body, headers });
    const text = await res.text();
    expect(res.status, text).toBe(c.status);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(text).toMatch(c.says);
    expect(await storeState()).toBe(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
