import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJwtIssuer, type JwtIssuer } from '../support/jwt.ts';
import { startTestTrellis, type TestTrellis } from '../support/local-trellis.ts';
import { startGateway, type TestGateway } from '../support/gateway.ts';
import { apply, eventually, localService } from '../support/traffic.ts';
import { startUpstream, type Upstream } from '../support/upstream.ts';

// Istio's JWT claim routing and ingress authorization tasks on a real Envoy gateway: routes chosen by the claims of a token the gateway verified, requests refused by policies selecting the gateway.
const MESH = 'compat-claims';
const ISSUER = 'testing@secure.trellis.test';

const manifests = (jwt: JwtIssuer) => `${localService('shop', 'catalog', { v1: catalog })}---
${localService('shop', 'catalog-beta', { v1: beta })}---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: edge, namespace: ingress }
spec:
  selector: { istio: ingressgateway }
  servers:
    - port: { number: 80, name: http, protocol: HTTP }
      hosts: ["*"]
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: { name: edge-jwt, namespace: ingress }
spec:
  selector: { matchLabels: { istio: ingressgateway } }
  jwtRules:
    - issuer: ${ISSUER}
      jwks: '${jwt.jwks}'
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: admin-needs-token, namespace: ingress }
spec:
  selector: { matchLabels: { istio: ingressgateway } }
  action: DENY
  rules:
    - from: [{ source: { notRequestPrincipals: ["*"] } }]
      to: [{ operation: { paths: ["/admin/{**}"] } }]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: other-port-only, namespace: ingress }
spec:
  selector: { matchLabels: { istio: ingressgateway } }
  action: DENY
  rules:
    - to: [{ operation: { ports: ["8443"], paths: ["/headers"] } }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: claim-routes, namespace: ingress }
spec:
  hosts: ["*"]
  gateways: [edge]
  http:
    - match:
        - uri: { prefix: /headers }
          headers: { "@request.auth.claims.groups": { exact: group1 } }
      route: [{ destination: { host: catalog-beta.shop.svc.cluster.local } }]
    - match:
        - headers: { "@request.auth.claims.plan.tier": { prefix: gold } }
      route: [{ destination: { host: catalog-beta.shop.svc.cluster.local } }]
    - match:
        - uri: { prefix: /members }
          withoutHeaders: { "@request.auth.claims.sub": {} }
      directResponse: { status: 401, body: { string: "sign in" } }
    - route: [{ destination: { host: catalog.shop.svc.cluster.local } }]
`;

let trellis: TestTrellis;
let gateway: TestGateway;
let catalog: Upstream;
let beta: Upstream;
let jwt: JwtIssuer;

/** Status and the upstream that answered (x-served-by), through the gateway's port 80. */
function call(path: string, token?: string): Promise<{ status: number; servedBy: string | undefined }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { host: 'shop.example.com', ...(token ? { authorization: `Bearer ${token}` } : {}) };
    const req = http.request({ host: '127.0.0.1', port: gateway.ports[80], path, headers, agent: false, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, servedBy: res.headers['x-served-by'] as string | undefined }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  trellis = await startTestTrellis();
  [catalog, beta] = await Promise.all([startUpstream('catalog'), startUpstream('catalog-beta')]);
  jwt = createJwtIssuer(ISSUER);
  expect((await trellis.api('PUT', `/v1/meshes/${MESH}`, {})).status).toBe(201);
  await apply(trellis, MESH, manifests(jwt));
  gateway = await startGateway({ xdsPort: Number(trellis.xdsAddress.split(':')[1]), mesh: MESH, namespace: 'ingress', workload: 'ingress-gateway', labels: { istio: 'ingressgateway' }, serverPorts: [80] });
  await eventually(async () => (await call('/headers').catch(() => ({ status: 0 }))).status === 200, 'the gateway routing', 30_000);
}, 90_000);

afterAll(async () => {
  await gateway?.stop();
  await trellis?.close();
  await Promise.all([catalog?.close(), beta?.close()]);
});

describe('JWT claim routing at a gateway', () => {
  it('routes by a list claim containing the value, only for a verified token', async () => {
    expect(await call('/headers', jwt.token({ sub: 'ana', groups: ['group1', 'group2'] }))).toEqual({ status: 200, servedBy: 'catalog-beta' });
    expect(await call('/headers', jwt.token({ sub: 'ana', groups: 'group1' }))).toEqual({ status: 200, servedBy: 'catalog-beta' });
    expect(await call('/headers', jwt.token({ sub: 'ana', groups: ['group2'] }))).toEqual({ status: 200, servedBy: 'catalog' });
    expect(await call('/headers')).toEqual({ status: 200, servedBy: 'catalog' });
    // A forged token with the claim never reaches a route: jwt_authn refuses it.
    expect((await call('/headers', createJwtIssuer(ISSUER).token({ sub: 'ana', groups: ['group1'] }))).status).toBe(401);
  });

  it('matches a nested claim by prefix', async () => {
    expect(await call('/other', jwt.token({ sub: 'ana', plan: { tier: 'gold-plus' } }))).toEqual({ status: 200, servedBy: 'catalog-beta' });
    expect(await call('/other', jwt.token({ sub: 'ana', plan: { tier: 'silver' } }))).toEqual({ status: 200, servedBy: 'catalog' });
    expect(await call('/other', jwt.token({ sub: 'ana', tier: 'gold' }))).toEqual({ status: 200, servedBy: 'catalog' });
  });

  it('withoutHeaders on a claim matches requests whose token lacks it, or that carry none', async () => {
    expect((await call('/members')).status).toBe(401);
    expect(await call('/members', jwt.token({ sub: 'ana' }))).toEqual({ status: 200, servedBy: 'catalog' });
  });
});

describe('AuthorizationPolicy selecting a gateway', () => {
  it('refuses /admin/** without a verified token and serves it with one; a rule for another server port does not apply', async () => {
    expect((await call('/admin/users')).status).toBe(403);
    expect(await call('/admin/users', jwt.token({ sub: 'ana' }))).toEqual({ status: 200, servedBy: 'catalog' });
    expect((await call('/administrators')).status).toBe(200);
    expect((await call('/headers')).status).toBe(200);
    await gateway.envoy.assertNoTrouble();
  });
});
