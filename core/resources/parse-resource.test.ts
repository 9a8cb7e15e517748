import { describe, expect, it } from 'vitest';
import { parseResource } from './parse-resource.ts';

type Obj = Record<string, unknown>;

const vs = (spec: Obj, metadata: Obj = { name: 'reviews' }): Obj => ({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata, spec });
const dr = (spec: Obj): Obj => ({ apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'reviews' }, spec });
const se = (spec: Obj): Obj => ({ apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 'ext' }, spec });
const gw = (spec: Obj): Obj => ({ apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'gw' }, spec });
const sc = (spec: Obj): Obj => ({ apiVersion: 'networking.istio.io/v1', kind: 'Sidecar', metadata: { name: 'default' }, spec });
const we = (spec: Obj): Obj => ({ apiVersion: 'networking.istio.io/v1', kind: 'WorkloadEntry', metadata: { name: 'vm1' }, spec });
const pa = (spec: Obj): Obj => ({ apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'pa' }, spec });
const ap = (spec: Obj): Obj => ({ apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'ap' }, spec });
const ra = (spec: Obj): Obj => ({ apiVersion: 'security.istio.io/v1', kind: 'RequestAuthentication', metadata: { name: 'ra' }, spec });

const dest = (subset: string, weight?: number): Obj => ({ destination: { host: 'reviews', subset }, ...(weight === undefined ? {} : { weight }) });
const httpRoute = (extra: Obj): Obj => vs({ hosts: ['reviews'], http: [{ route: [dest('v1')], ...extra }] });
const retry = (retries: Obj): Obj => httpRoute({ retries });
const match = (m: Obj): Obj => httpRoute({ match: [m] });
const subsetDr = (subsets: Obj[]): Obj => dr({ host: 'reviews', subsets });

/** [description, input, expected path, message fragment] */
const CASES: [string, unknown, string, string][] = [
  // Envelope
  ['not an object', 'hello', '', 'expected an object'],
  ['unknown kind', { ...vs({}), kind: 'Deployment' }, 'kind', 'kind must be one of'],
  ['missing kind', { apiVersion: 'v1', metadata: { name: 'x' }, spec: {} }, 'kind', 'missing'],
  ['apiVersion from another group', { ...ap({}), apiVersion: 'networking.istio.io/v1' }, 'apiVersion', 'security.istio.io/v1'],
  ['unsupported apiVersion', { ...vs({ hosts: ['a'], http: [{ route: [dest('v1')] }] }), apiVersion: 'networking.istio.io/v2' }, 'apiVersion', 'must be one of'],
  ['name is not a DNS label', vs({ hosts: ['a'], http: [{ route: [dest('v1')] }] }, { name: 'Reviews_V1' }), 'metadata.name', 'DNS-1123 label'],
  ['name too long', vs({ hosts: ['a'], http: [{ route: [dest('v1')] }] }, { name: 'a'.repeat(64) }), 'metadata.name', 'the limit is 63'],
  ['namespace is not a DNS label', vs({ hosts: ['a'], http: [{ route: [dest('v1')] }] }, { name: 'a', namespace: 'prod.eu' }), 'metadata.namespace', 'DNS-1123 label'],
  ['missing name', vs({ hosts: ['a'], http: [{ route: [dest('v1')] }] }, { namespace: 'a' }), 'metadata.name', 'required'],
  ['label value too long', vs({ hosts: ['a'], http: [{ route: [dest('v1')] }] }, { name: 'a', labels: { app: 'x'.repeat(64) } }), 'metadata.labels.app', 'at most 63'],
  ['bad label key', vs({ hosts: ['a'], http: [{ route: [dest('v1')] }] }, { name: 'a', labels: { 'bad key!': 'x' } }), 'metadata.labels["bad key!"]', 'key "bad key!"'],
  ['bad annotation key prefix', vs({ hosts: ['a'], http: [{ route: [dest('v1')] }] }, { name: 'a', annotations: { 'Example.COM/x': 'y' } }), 'metadata.annotations["Example.COM/x"]', 'DNS-1123 subdomain'],
  ['unknown metadata field', vs({ hosts: ['a'], http: [{ route: [dest('v1')] }] }, { name: 'a', finalizers: ['x'] }), 'metadata.finalizers', 'unsupported (unknown to this version of Trellis)'],
  ['unknown top-level field', { ...vs({ hosts: ['a'], http: [{ route: [dest('v1')] }] }), extra: 1 }, 'extra', 'unsupported (unknown to this version of Trellis)'],
  ['a field newer than the schema', dr({ host: 'reviews', trafficPolicy: { newThing: true } }), 'spec.trafficPolicy.newThing', 'unsupported (unknown to this version of Trellis)'],
  ['an Istio kind Trellis does not serve', { apiVersion: 'extensions.istio.io/v1alpha1', kind: 'WasmPlugin', metadata: { name: 'f' }, spec: {} }, 'kind', 'WasmPlugin (extensions.istio.io/v1alpha1) is unsupported'],
  ['missing spec', { apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'a' } }, 'spec', 'required'],

  // VirtualService
  ['weights sum to 90', vs({ hosts: ['reviews'], http: [{ route: [dest('v1', 50), dest('v2', 40)] }] }), 'spec.http[0].route[1].weight', 'weights sum to 90; they must sum to 100'],
  ['one weight missing', vs({ hosts: ['reviews'], http: [{ route: [dest('v1', 50), dest('v2')] }] }), 'spec.http[0].route[0].weight', 'without a weight count as 0'],
  ['single destination with weight 50', vs({ hosts: ['reviews'], http: [{ route: [dest('v1', 50)] }] }), 'spec.http[0].route[0].weight', 'weights sum to 50'],
  ['negative weight', vs({ hosts: ['reviews'], http: [{ route: [dest('v1', -10), dest('v2', 110)] }] }), 'spec.http[0].route[0].weight', 'must not be negative'],
  ['fractional weight', vs({ hosts: ['reviews'], http: [{ route: [dest('v1', 50.5), dest('v2', 49.5)] }] }), 'spec.http[0].route[0].weight', 'expected an integer, got 50.5'],
  ['tcp weights', vs({ hosts: ['db'], tcp: [{ route: [dest('v1', 30), dest('v2', 30)] }] }), 'spec.tcp[0].route[1].weight', 'weights sum to 60'],
  ['duplicate route names', vs({ hosts: ['reviews'], http: [{ name: 'r', route: [dest('v1')] }, { name: 'r', route: [dest('v2')] }] }), 'spec.http[1].name', 'HTTP route name "r" is already used at index 0'],
  ['unknown field in route', vs({ hosts: ['reviews'], http: [{ route: [{ ...dest('v1'), wieght: 100 }] }] }), 'spec.http[0].route[0].wieght', 'unknown to this version of Trellis'],
  ['timeout without unit', httpRoute({ timeout: '5' }), 'spec.http[0].timeout', 'must be a duration'],
  ['negative timeout', httpRoute({ timeout: '-1s' }), 'spec.http[0].timeout', 'must be a duration'],
  ['timeout in days', httpRoute({ timeout: '1d' }), 'spec.http[0].timeout', 'must be a duration'],
  ['sub-millisecond perTryTimeout', retry({ attempts: 2, perTryTimeout: '1.5ms' }), 'spec.http[0].retries.perTryTimeout', 'millisecond precision'],
  ['zero timeout', httpRoute({ timeout: '0s' }), 'spec.http[0].timeout', 'at least 1ms'],
  ['numeric timeout', httpRoute({ timeout: 5 }), 'spec.http[0].timeout', 'expected string, got number'],
  ['regex with lookahead', match({ uri: { regex: '^/(?=api)' } }), 'spec.http[0].match[0].uri.regex', 'not valid RE2'],
  ['regex with backreference', match({ headers: { 'x-id': { regex: '(a)\\1' } } }), 'spec.http[0].match[0].headers["x-id"].regex', 'not valid RE2'],
  ['regex too long', match({ uri: { regex: 'a'.repeat(2000) } }), 'spec.http[0].match[0].uri.regex', 'longer than 1024'],
  ['string match with two kinds', match({ uri: { exact: '/a', prefix: '/b' } }), 'spec.http[0].match[0].uri', 'only one of exact, prefix or regex'],
  ['match port out of range', match({ port: 70000 }), 'spec.http[0].match[0].port', 'between 1 and 65535'],
  ['destination port zero', vs({ hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews', port: { number: 0 } } }] }] }), 'spec.http[0].route[0].destination.port.number', 'between 1 and 65535'],
  ['invalid host', vs({ hosts: ['bad_host!'], http: [{ route: [dest('v1')] }] }), 'spec.hosts[0]', 'not a valid host name'],
  ['wildcard in the middle', vs({ hosts: ['foo.*.com'], http: [{ route: [dest('v1')] }] }), 'spec.hosts[0]', 'not a valid host name'],
  ['mesh-bound "*" host', vs({ hosts: ['*'], http: [{ route: [dest('v1')] }] }), 'spec.hosts[0]', 'not allowed for VirtualServices bound to the mesh'],
  ['subset not a DNS label', vs({ hosts: ['reviews'], http: [{ route: [dest('V1_beta')] }] }), 'spec.http[0].route[0].destination.subset', 'DNS-1123'],
  ['mirror percentage over 100', httpRoute({ mirror: { host: 'reviews' }, mirrorPercentage: { value: 150 } }), 'spec.http[0].mirrorPercentage.value', 'between 0 and 100'],
  ['fault percentage negative', httpRoute({ fault: { abort: { httpStatus: 500, percentage: { value: -1 } } } }), 'spec.http[0].fault.abort.percentage.value', 'between 0 and 100'],
  ['abort status out of range', httpRoute({ fault: { abort: { httpStatus: 99 } } }), 'spec.http[0].fault.abort.httpStatus', 'between 200 and 599'],
  ['route and redirect', httpRoute({ redirect: { uri: '/x' } }), 'spec.http[0].redirect', 'both route and redirect'],
  ['no action', vs({ hosts: ['reviews'], http: [{ match: [{ uri: { prefix: '/' } }] }] }), 'spec.http[0]', 'needs route, redirect, directResponse or delegate'],
  ['redirect code not 3xx', vs({ hosts: ['a'], http: [{ redirect: { uri: '/x', redirectCode: 200 } }] }), 'spec.http[0].redirect.redirectCode', 'use a 3xx status'],
  ['unknown retryOn', retry({ attempts: 3, retryOn: '5xx,sometimes' }), 'spec.http[0].retries.retryOn', '"sometimes" is not a retry policy'],
  ['no routes at all', vs({ hosts: ['reviews'] }), 'spec', 'at least one of http, tcp or tls'],
  ['bad sourceNamespace', match({ sourceNamespace: 'Prod' }), 'spec.http[0].match[0].sourceNamespace', 'DNS-1123'],
  ['SNI host outside the hosts', vs({ hosts: ['*.example.com'], tls: [{ match: [{ sniHosts: ['login.example.org'] }], route: [dest('v1')] }] }), 'spec.tls[0].match[0].sniHosts[0]', 'not covered by any of the VirtualService hosts'],
  ['missing apiVersion', { kind: 'Gateway', metadata: { name: 'a' }, spec: {} }, 'apiVersion', 'networking.istio.io/v1alpha3'],
  ['TLS gateway server without tls', gw({ servers: [{ port: { number: 443, name: 'tls', protocol: 'TLS' }, hosts: ['a.com'] }] }), 'spec.servers[0].tls', 'needs tls settings'],
  ['tls route without sniHosts', vs({ hosts: ['a.com'], tls: [{ match: [{ sniHosts: [] }], route: [dest('v1')] }] }), 'spec.tls[0].match[0].sniHosts', 'at least one SNI host'],
  ['bad exportTo', vs({ hosts: ['a'], exportTo: ['*', '.'], http: [{ route: [dest('v1')] }] }), 'spec.exportTo[0]', 'cannot be combined'],
  ['cannot modify :path', httpRoute({ headers: { request: { set: { ':path': '/x' } } } }), 'spec.http[0].headers.request.set[":path"]', 'cannot be modified'],

  // DestinationRule
  ['duplicate subset names', subsetDr([{ name: 'v1', labels: { version: 'v1' } }, { name: 'v1', labels: { version: 'v2' } }]), 'spec.subsets[1].name', 'subset name "v1" is already used at index 0'],
  ['subset name not a DNS label', subsetDr([{ name: 'V1', labels: { version: 'v1' } }]), 'spec.subsets[0].name', 'DNS-1123'],
  ['missing host', dr({ subsets: [] }), 'spec.host', 'required'],
  ['bad load balancer', dr({ host: 'a', trafficPolicy: { loadBalancer: { simple: 'FASTEST' } } }), 'spec.trafficPolicy.loadBalancer.simple', 'must be one of'],
  ['simple and consistentHash', dr({ host: 'a', trafficPolicy: { loadBalancer: { simple: 'RANDOM', consistentHash: { useSourceIp: true } } } }), 'spec.trafficPolicy.loadBalancer', 'only one of simple and consistentHash'],
  ['maxEjectionPercent over 100', dr({ host: 'a', trafficPolicy: { outlierDetection: { maxEjectionPercent: 101 } } }), 'spec.trafficPolicy.outlierDetection.maxEjectionPercent', 'between 0 and 100'],
  ['negative maxConnections', dr({ host: 'a', trafficPolicy: { connectionPool: { tcp: { maxConnections: -1 } } } }), 'spec.trafficPolicy.connectionPool.tcp.maxConnections', 'must not be negative'],
  ['bad connectTimeout', dr({ host: 'a', trafficPolicy: { connectionPool: { tcp: { connectTimeout: '30' } } } }), 'spec.trafficPolicy.connectionPool.tcp.connectTimeout', 'must be a duration'],
  ['ISTIO_MUTUAL with certificates', dr({ host: 'a', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL', clientCertificate: '/c.pem' } } }), 'spec.trafficPolicy.tls.clientCertificate', 'cannot be set when mode is ISTIO_MUTUAL'],
  ['locality weights', dr({ host: 'a', trafficPolicy: { loadBalancer: { localityLbSetting: { distribute: [{ from: 'a/*', to: { 'a/*': 50 } }] } } } }), 'spec.trafficPolicy.loadBalancer.localityLbSetting.distribute[0].to', 'weights sum to 50'],

  // ServiceEntry
  ['duplicate port numbers', se({ hosts: ['a.com'], ports: [{ number: 443, name: 'https' }, { number: 443, name: 'tls' }] }), 'spec.ports[1].number', 'port number 443 is already used at index 0'],
  ['duplicate port names', se({ hosts: ['a.com'], ports: [{ number: 80, name: 'http' }, { number: 8080, name: 'http' }] }), 'spec.ports[1].name', 'port name "http" is already used'],
  ['port out of range', se({ hosts: ['a.com'], ports: [{ number: 65536, name: 'http' }] }), 'spec.ports[0].number', 'between 1 and 65535'],
  ['no hosts', se({ hosts: [] }), 'spec.hosts', 'at least one host'],
  ['"*" host', se({ hosts: ['*'] }), 'spec.hosts[0]', 'host "*" is not allowed'],
  ['CIDR with DNS resolution', se({ hosts: ['a.com'], addresses: ['10.0.0.0/8'], resolution: 'DNS' }), 'spec.addresses[0]', 'only with NONE or STATIC'],
  ['bad address', se({ hosts: ['a.com'], addresses: ['10.0.0.300'] }), 'spec.addresses[0]', 'not an IP address or CIDR'],
  ['endpoints with NONE resolution', se({ hosts: ['a.com'], endpoints: [{ address: '1.1.1.1' }] }), 'spec.endpoints', 'NONE resolution'],
  ['STATIC endpoint with a host name', se({ hosts: ['a.com'], resolution: 'STATIC', endpoints: [{ address: 'db.example.com' }] }), 'spec.endpoints[0].address', 'must be an IP address'],
  ['endpoint port not declared', se({ hosts: ['a.com'], resolution: 'STATIC', ports: [{ number: 80, name: 'http' }], endpoints: [{ address: '1.1.1.1', ports: { grpc: 9000 } }] }), 'spec.endpoints[0].ports.grpc', 'not one of the entry\'s port names'],
  ['bad resolution', se({ hosts: ['a.com'], resolution: 'MAGIC' }), 'spec.resolution', 'must be one of'],

  // Gateway
  ['HTTPS without tls', gw({ servers: [{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['a.com'] }] }), 'spec.servers[0].tls', 'needs tls settings'],
  ['SIMPLE tls without certificate', gw({ servers: [{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['a.com'], tls: { mode: 'SIMPLE' } }] }), 'spec.servers[0].tls.serverCertificate', 'needs serverCertificate'],
  ['unknown protocol', gw({ servers: [{ port: { number: 80, name: 'http', protocol: 'SPDY' }, hosts: ['a.com'] }] }), 'spec.servers[0].port.protocol', 'not a protocol Istio supports'],
  ['server port name missing', gw({ servers: [{ port: { number: 80, protocol: 'HTTP' }, hosts: ['a.com'] }] }), 'spec.servers[0].port.name', 'required'],
  ['duplicate server port names', gw({ servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['a.com'] }, { port: { number: 8080, name: 'http', protocol: 'HTTP' }, hosts: ['b.com'] }] }), 'spec.servers[1].port.name', 'port name "http" is already used'],
  ['bad server host namespace', gw({ servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['Prod/a.com'] }] }), 'spec.servers[0].hosts[0]', 'namespace "Prod"'],

  // Sidecar
  ['egress host without namespace', sc({ egress: [{ hosts: ['foo.com'] }] }), 'spec.egress[0].hosts[0]', 'namespace/host'],
  ['egress catch-all not last', sc({ egress: [{ hosts: ['./*'] }, { port: { number: 80 }, hosts: ['./*'] }] }), 'spec.egress[0].port', 'only the last egress listener'],
  ['ingress without port number', sc({ ingress: [{ port: { protocol: 'HTTP' }, defaultEndpoint: '127.0.0.1:8080' }] }), 'spec.ingress[0].port.number', 'needs a port number'],
  ['bad defaultEndpoint', sc({ ingress: [{ port: { number: 80 }, defaultEndpoint: '10.0.0.1:8080' }] }), 'spec.ingress[0].defaultEndpoint', 'must be 127.0.0.1:PORT'],
  ['egressProxy with REGISTRY_ONLY', sc({ outboundTrafficPolicy: { mode: 'REGISTRY_ONLY', egressProxy: { host: 'proxy' } } }), 'spec.outboundTrafficPolicy.egressProxy', 'only be set when mode is ALLOW_ANY'],
  ['empty sidecar', sc({}), 'spec', 'at least one of egress'],

  // WorkloadEntry
  ['no address', we({ labels: { app: 'a' } }), 'spec.address', 'address is required'],
  ['unix socket with ports', we({ address: 'unix:///var/run/a.sock', ports: { http: 80 } }), 'spec.ports', 'cannot have ports'],
  ['workload port out of range', we({ address: '10.0.0.1', ports: { http: 0 } }), 'spec.ports.http', 'between 1 and 65535'],

  // PeerAuthentication
  ['portLevelMtls without selector', pa({ portLevelMtls: { '8080': { mode: 'DISABLE' } } }), 'spec.portLevelMtls', 'requires a selector'],
  ['portLevelMtls bad port', pa({ selector: { matchLabels: { app: 'a' } }, portLevelMtls: { http: { mode: 'DISABLE' } } }), 'spec.portLevelMtls.http', 'not a port number'],
  ['bad mtls mode', pa({ mtls: { mode: 'ON' } }), 'spec.mtls.mode', 'must be one of'],
  ['wildcard in selector', pa({ selector: { matchLabels: { app: 'fin*' } } }), 'spec.selector.matchLabels.app', 'wildcards are not supported'],

  // AuthorizationPolicy
  ['CUSTOM without provider', ap({ action: 'CUSTOM', rules: [{}] }), 'spec.provider', 'needs provider.name'],
  ['empty source', ap({ rules: [{ from: [{ source: {} }] }] }), 'spec.rules[0].from[0].source', 'at least one field'],
  ['bad ipBlock', ap({ rules: [{ from: [{ source: { ipBlocks: ['10.0.0.0/33'] } }] }] }), 'spec.rules[0].from[0].source.ipBlocks[0]', 'not an IP address or CIDR'],
  ['bad operation port', ap({ rules: [{ to: [{ operation: { ports: ['http'] } }] }] }), 'spec.rules[0].to[0].operation.ports[0]', 'not a port number'],
  ['unknown condition key', ap({ rules: [{ when: [{ key: 'request.time', values: ['now'] }] }] }), 'spec.rules[0].when[0].key', 'not a supported condition key'],
  ['condition without values', ap({ rules: [{ when: [{ key: 'source.ip' }] }] }), 'spec.rules[0].when[0]', 'set values or notValues'],
  ['selector and targetRef', ap({ selector: { matchLabels: { app: 'a' } }, targetRef: { kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'gw' } }), 'spec.targetRef', 'only one of selector and targetRef'],
  ['cross-namespace targetRef', ap({ targetRef: { kind: 'Gateway', name: 'gw', namespace: 'other' } }), 'spec.targetRef.namespace', 'cross-namespace'],

  // RequestAuthentication
  ['jwtRule without issuer', ra({ jwtRules: [{ jwksUri: 'https://a.com/jwks' }] }), 'spec.jwtRules[0].issuer', 'issuer is required'],
  ['jwksUri not http', ra({ jwtRules: [{ issuer: 'a', jwksUri: 'ftp://a.com/jwks' }] }), 'spec.jwtRules[0].jwksUri', 'http:// or https://'],
  ['jwks and jwksUri', ra({ jwtRules: [{ issuer: 'a', jwks: '{}', jwksUri: 'https://a.com/jwks' }] }), 'spec.jwtRules[0].jwks', 'only one of jwks and jwksUri'],
  ['bad claim header', ra({ jwtRules: [{ issuer: 'a', outputClaimToHeaders: [{ header: 'x claim', claim: 'sub' }] }] }), 'spec.jwtRules[0].outputClaimToHeaders[0].header', 'letters, digits'],
  ['bad jwt timeout', ra({ jwtRules: [{ issuer: 'a', timeout: '1h1d' }] }), 'spec.jwtRules[0].timeout', 'must be a duration'],
];

describe('parseResource rejects malformed input', () => {
  it.each(CASES)('%s', (_name, input, path, fragment) => {
    const result = parseResource(input);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const atPath = result.errors.filter((e) => e.path === path);
    if (atPath.length === 0) expect.fail(`no error at ${path}; got ${JSON.stringify(result.errors)}`);
    expect(atPath.map((e) => e.message).join(' | ')).toContain(fragment);
  });
});

describe('parseResource accepts what Istio accepts', () => {
  it.each([
    // Istio's egress gateway task names a subset of the gateway's service without labels: every endpoint.
    ['a subset without labels', subsetDr([{ name: 'all' }])],
    ['a subset with empty labels', subsetDr([{ name: 'all', labels: {} }])],
    ['a pseudo-header match', match({ headers: { ':path': { prefix: '/greeter.Greeter/' }, ':method': { exact: 'POST' } } })],
    ['a pseudo-header absence', match({ withoutHeaders: { ':authority': { exact: 'old.example.com' } } })],
  ])('%s', (_name, input) => {
    const result = parseResource(input);
    expect(result.ok, JSON.stringify(result)).toBe(true);
  });
  it('still refuses a header name that is neither a token nor a pseudo-header', () => {
    const result = parseResource(match({ headers: { ':pathx': { exact: '/' } } }));
    expect(result.ok || result.errors.map((e) => e.path)).toEqual(['spec.http[0].match[0].headers[":pathx"]']);
  });
});

describe('parseResource and hosts with "_"', () => {
  // Envoy serves DNS names with '_' in a label; only resource names must stay DNS-1123 labels.
  const host = 'color_server.demo.local';
  it.each([
    ['VirtualService', vs({ hosts: [host], http: [{ route: [{ destination: { host } }] }] }, { name: 'color-server' })],
    ['DestinationRule', { ...dr({ host }), metadata: { name: 'color-server' } }],
    ['ServiceEntry', se({ hosts: [host], ports: [{ number: 80, name: 'http', protocol: 'HTTP' }], resolution: 'DNS', endpoints: [{ address: 'color_server.demo.local' }] })],
    ['Sidecar', sc({ egress: [{ hosts: [`./${host}`] }] })],
    ['WorkloadEntry', we({ address: host })],
  ])('accepts it in a %s', (_kind, input) => {
    const result = parseResource(input);
    expect(result.ok, JSON.stringify(result)).toBe(true);
  });
  it('still refuses it in a name', () => {
    const result = parseResource(vs({ hosts: [host], http: [{ route: [{ destination: { host } }] }] }, { name: 'color_server' }));
    expect(result.ok || result.errors.map((e) => e.path)).toEqual(['metadata.name']);
  });
});

describe('parseResource normalises', () => {
  const minimal = (extra: Obj = {}): Obj => ({
    apiVersion: 'networking.istio.io/v1alpha3',
    kind: 'DestinationRule',
    metadata: { name: 'reviews', ...extra },
    spec: { host: 'reviews' },
  });

  it('apiVersion to v1 and the namespace to the default', () => {
    const result = parseResource(minimal(), { defaultNamespace: 'shop' });
    expect(result).toEqual({
      ok: true,
      value: { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'reviews', namespace: 'shop' }, spec: { host: 'reviews' } },
    });
    expect(parseResource(minimal())).toMatchObject({ ok: true, value: { metadata: { namespace: 'default' } } });
  });

  it('drops server-populated metadata and status but keeps resourceVersion', () => {
    const input = {
      ...minimal({
        namespace: 'bookinfo',
        uid: '6f1c0c1e-1111-2222-3333-444455556666',
        creationTimestamp: '2024-01-01T00:00:00Z',
        generation: 3,
        resourceVersion: '12345',
        selfLink: '/apis/networking.istio.io/v1/namespaces/bookinfo/destinationrules/reviews',
        managedFields: [{ manager: 'kubectl', operation: 'Apply' }],
      }),
      status: { observedGeneration: 3 },
    };
    const result = parseResource(input);
    if (!result.ok) expect.fail(JSON.stringify(result.errors));
    expect(result.value.metadata).toEqual({ name: 'reviews', namespace: 'bookinfo', resourceVersion: '12345' });
    expect(result.value).not.toHaveProperty('status');
  });

  it('accepts creationTimestamp: null as kubectl --dry-run prints it', () => {
    expect(parseResource(minimal({ creationTimestamp: null })).ok).toBe(true);
  });

  it('rejects an invalid default namespace', () => {
    expect(parseResource(minimal(), { defaultNamespace: 'Not_Valid' })).toMatchObject({ ok: false, errors: [{ path: 'metadata.namespace' }] });
  });

  it('does not throw on hostile values', () => {
    const cyclic: Obj = { host: 'a' };
    cyclic['self'] = cyclic;
    for (const input of [undefined, null, 42, [], Object.create(null), { kind: { toString: () => 'x' } }, { ...minimal(), spec: cyclic }]) {
      expect(() => parseResource(input)).not.toThrow();
      expect(parseResource(input).ok).toBe(false);
    }
  });
});
