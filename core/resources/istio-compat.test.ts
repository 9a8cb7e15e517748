import { describe, expect, it } from 'vitest';
import { classifyDocument } from './document-kinds.ts';
import { parseResource } from './parse-resource.ts';

type Obj = Record<string, unknown>;

const ap = (extra: Obj): Obj => ({ apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'ap', namespace: 'foo' }, ...extra });
const when = (key: string, values = ['x']): Obj => ap({ spec: { rules: [{ when: [{ key, values }] }] } });
const claimRoute = (field: 'headers' | 'withoutHeaders'): Obj => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name: 'httpbin', namespace: 'foo' },
  spec: { hosts: ['*'], gateways: ['httpbin-gateway'], http: [{ match: [{ [field]: { '@request.auth.claims.groups': { exact: 'group1' } } }], route: [{ destination: { host: 'httpbin' } }] }] },
});
const errorsOf = (input: unknown) => {
  const result = parseResource(input);
  if (result.ok) expect.fail(`accepted ${JSON.stringify(input)}`);
  return result.errors;
};

describe('Istio shapes users write', () => {
  it('reads an AuthorizationPolicy without spec as allow-nothing (spec: {}), like Istio', () => {
    expect(parseResource(ap({}))).toMatchObject({ ok: true, value: { kind: 'AuthorizationPolicy', spec: {} } });
    expect(parseResource(ap({ spec: {} }))).toMatchObject({ ok: true, value: { spec: {} } });
    expect(errorsOf(ap({ spec: null }))).toEqual([{ path: 'spec', message: expect.stringContaining('expected object') }]);
  });

  it('still requires spec where Istio does', () => {
    expect(errorsOf({ apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'r' } })).toEqual([{ path: 'spec', message: expect.stringContaining('required') }]);
  });

  it.each(['headers', 'withoutHeaders'] as const)('accepts a JWT claim in match.%s of a VirtualService bound to a gateway', (field) => {
    expect(parseResource(claimRoute(field))).toMatchObject({ ok: true });
  });

  it.each([
    ['no gateways', undefined],
    ['mesh among the gateways', ['httpbin-gateway', 'mesh']],
  ])('refuses a JWT claim match with %s as unsupported with a reason, never as a bad header name', (_name, gateways) => {
    for (const field of ['headers', 'withoutHeaders'] as const) {
      const input = claimRoute(field);
      const spec = input['spec'] as Obj;
      // A mesh-bound VirtualService names its hosts ("*" is for gateways only).
      spec['hosts'] = ['httpbin'];
      if (gateways) spec['gateways'] = gateways;
      else delete spec['gateways'];
      const errors = errorsOf(input);
      expect(errors).toEqual([{ path: `spec.http[0].match[0].${field}`, message: expect.stringMatching(/JWT claim.*unsupported: JWT claims are matched on gateways only/) }]);
      expect(JSON.stringify(errors)).not.toContain('header name');
    }
  });

  it('still refuses a header name that is neither a token nor a claim reference', () => {
    const input = claimRoute('headers');
    ((input['spec'] as { http: { match: Obj[] }[] }).http[0]!.match[0]!)['headers'] = { '@request.auth.claims.': { exact: 'a' } };
    expect(errorsOf(input)).toEqual([{ path: 'spec.http[0].match[0].headers["@request.auth.claims."]', message: expect.stringContaining('not a valid header name') }]);
  });

  it('accepts the condition keys Istio accepts', () => {
    for (const [key, values] of [
      ['request.headers[User-Agent]', ['Mozilla/*']],
      ['source.ip', ['10.1.2.3', '2001:db8::/32']],
      ['remote.ip', ['10.2.0.0/16']],
      ['source.namespace', ['default']],
      ['source.serviceAccount', ['default/productpage']],
      ['source.principal', ['cluster.local/ns/default/sa/productpage']],
      ['request.auth.principal', ['issuer.example.com/subject']],
      ['request.auth.audiences', ['example.com']],
      ['request.auth.presenter', ['presenter.example.com']],
      ['request.auth.claims[groups]', ['group1']],
      ['request.auth.claims[nested][key]', ['v']],
      ['destination.ip', ['10.1.2.3']],
      ['destination.port', ['80', '443']],
      ['connection.sni', ['www.example.com']],
    ] as const) {
      expect(parseResource(when(key, [...values])), key).toMatchObject({ ok: true });
    }
  });

  it('refuses source.trustDomain and the retired destination keys with Istio\'s reasons', () => {
    expect(errorsOf(when('source.trustDomain', ['cluster.local']))).toEqual([{ path: 'spec.rules[0].when[0].key', message: expect.stringContaining('Istio has no condition key source.trustDomain; match the trust domain in source.principal') }]);
    expect(errorsOf(when('destination.namespace'))[0]?.message).toContain("replaced by the policy's metadata.namespace");
    expect(errorsOf(when('destination.labels[version]'))[0]?.message).toContain("replaced by the policy's selector");
    expect(errorsOf(when('source.user'))[0]?.message).toContain('not a supported condition key');
  });

  it('refuses an inline-header condition as unsupported rather than unknown', () => {
    expect(errorsOf(when('request.experimental.inline.headers[x-token]'))).toEqual([{ path: 'spec.rules[0].when[0].key', message: expect.stringContaining('is unsupported: inline header conditions are not translated') }]);
  });

  it('accepts RequestAuthentication fromCookies and outputClaimToHeaders (nested claims too)', () => {
    const input = {
      apiVersion: 'security.istio.io/v1beta1',
      kind: 'RequestAuthentication',
      metadata: { name: 'jwt', namespace: 'foo' },
      spec: { jwtRules: [{ issuer: 'testing@secure.istio.io', jwksUri: 'https://example.com/jwks.json', fromCookies: ['session'], outputClaimToHeaders: [{ header: 'x-jwt-claim-nested', claim: 'nested.key1' }] }] },
    };
    expect(parseResource(input)).toMatchObject({ ok: true, value: { spec: input.spec } });
  });
});

describe('classifyDocument', () => {
  const doc = (apiVersion: string, kind: string, name = 'x'): Obj => ({ apiVersion, kind, metadata: { name, namespace: 'shop' } });

  it('manages the Istio kinds Trellis stores, and lets validation judge malformed ones', () => {
    expect(classifyDocument(doc('networking.istio.io/v1', 'VirtualService'))).toEqual({ class: 'managed' });
    expect(classifyDocument(doc('security.istio.io/v1beta1', 'AuthorizationPolicy'))).toEqual({ class: 'managed' });
    expect(classifyDocument(doc('networking.istio/v1', 'VirtualService'))).toEqual({ class: 'managed' });
    expect(classifyDocument({ kind: 'Deployment' })).toEqual({ class: 'managed' });
    expect(classifyDocument('text')).toEqual({ class: 'managed' });
  });

  it('names Kubernetes and Gateway API objects as foreign', () => {
    expect(classifyDocument(doc('apps/v1', 'Deployment', 'reviews-v1'))).toEqual({ class: 'foreign', kind: 'Deployment', apiVersion: 'apps/v1', name: 'reviews-v1', namespace: 'shop' });
    expect(classifyDocument(doc('v1', 'Service'))).toMatchObject({ class: 'foreign', kind: 'Service' });
    expect(classifyDocument(doc('gateway.networking.k8s.io/v1', 'Gateway'))).toMatchObject({ class: 'foreign', kind: 'Gateway' });
    expect(classifyDocument(doc('gateway.networking.k8s.io/v1', 'HTTPRoute'))).toMatchObject({ class: 'foreign', kind: 'HTTPRoute' });
  });

  it('refuses Istio kinds Trellis does not serve, with a reason', () => {
    for (const [apiVersion, kind] of [
      ['extensions.istio.io/v1alpha1', 'WasmPlugin'],
    ] as const) {
      expect(classifyDocument(doc(apiVersion, kind))).toEqual({ class: 'unsupported', kind, apiVersion, reason: expect.stringContaining('not') });
    }
    expect(classifyDocument(doc('networking.istio.io/v1alpha3', 'EnvoyFilter'))).toEqual({ class: 'managed' });
    expect(classifyDocument(doc('networking.istio.io/v1beta1', 'ProxyConfig'))).toEqual({ class: 'managed' });
    expect(classifyDocument(doc('telemetry.istio.io/v1alpha1', 'Telemetry'))).toEqual({ class: 'managed' });
    expect(classifyDocument(doc('install.istio.io/v1alpha1', 'IstioOperator'))).toMatchObject({ class: 'unsupported', reason: 'this Istio kind is not served by Trellis' });
  });
});
