import { describe, expect, it } from 'vitest';
import { parseResource } from './parse-resource.ts';

type Obj = Record<string, unknown>;
const resource = (kind: string, spec: Obj): Obj => ({ apiVersion: 'security.istio.io/v1', kind, metadata: { name: 'r', namespace: 'shop' }, spec });
const policy = (spec: Obj) => resource('AuthorizationPolicy', spec);

describe('security fields Trellis does not translate are refused at apply time', () => {
  it.each<[string, Obj, string]>([
    ['a targetRef', policy({ targetRef: { kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'gw' } }), 'spec.targetRef'],
    ['an experimental condition key', policy({ rules: [{ when: [{ key: 'experimental.envoy.filters.network.mysql_proxy[db.table]', values: ['[update]'] }] }] }), 'spec.rules[0].when[0].key'],
    ['a partial wildcard in a request principal', policy({ rules: [{ from: [{ source: { requestPrincipals: ['https://issuer.example.com/team-*'] } }] }] }), 'spec.rules[0].from[0].source.requestPrincipals[0]'],
    ['a JWT rule without keys', resource('RequestAuthentication', { jwtRules: [{ issuer: 'https://issuer.example.com' }] }), 'spec.jwtRules[0]'],
  ])('rejects %s with its path and "unsupported"', (_name, input, path) => {
    const result = parseResource(input);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toContainEqual(expect.objectContaining({ path, message: expect.stringContaining('unsupported') }));
  });

  it.each<[string, Obj]>([
    ['ALLOW with principals, paths and conditions', policy({ rules: [{ from: [{ source: { principals: ['cluster.local/ns/shop/sa/a'], requestPrincipals: ['*', 'https://issuer.example.com/*', '*/alice'] } }], to: [{ operation: { paths: ['/api/*'] } }], when: [{ key: 'request.headers[x-user]', values: ['a'] }] }] })],
    ['DENY', policy({ action: 'DENY', rules: [{ from: [{ source: { namespaces: ['web'] } }] }] })],
    ['CUSTOM with a provider', policy({ action: 'CUSTOM', provider: { name: 'ext-authz' }, rules: [{ to: [{ operation: { paths: ['/api/*'] } }] }] })],
    ['AUDIT', policy({ action: 'AUDIT', rules: [{ to: [{ operation: { methods: ['DELETE'] } }] }] })],
    ['path templates', policy({ rules: [{ to: [{ operation: { paths: ['/api/{*}/items', '/files/{**}', '/{*}/{*}/x/{**}'], notPaths: ['/api/{*}'] } }] }] })],
    ['a JWT rule with inline keys', resource('RequestAuthentication', { jwtRules: [{ issuer: 'https://issuer.example.com', jwks: '{"keys":[]}' }] })],
  ])('accepts %s', (_name, input) => {
    expect(parseResource(input)).toMatchObject({ ok: true });
  });

  it.each<[string, string, string]>([
    ['{**} before another operator', '/files/{**}/{*}', '{**} must be the last operator'],
    ['a named variable', '/users/{id}', 'only {*} and {**}'],
    ['an operator inside a segment', '/files/report-{*}.pdf', 'only {*} and {**}'],
    ['an unbalanced brace', '/files/{*', 'only {*} and {**}'],
    ['a relative template', 'files/{*}', 'must start with "/"'],
    ['a space in a literal', '/my files/{*}', 'not a valid path literal'],
  ])('refuses a path template with %s, with its path', (_name, template, fragment) => {
    const result = parseResource(policy({ rules: [{ to: [{ operation: { notPaths: [template] } }] }] }));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toContainEqual({ path: 'spec.rules[0].to[0].operation.notPaths[0]', message: expect.stringContaining(fragment) });
  });

  it('refuses a long template with {**} twice', () => {
    const template = `/${'{*}/'.repeat(5000)}{**}/{**}`;
    const result = parseResource(policy({ rules: [{ to: [{ operation: { paths: [template] } }] }] }));
    expect(result.ok).toBe(false);
  });
});
