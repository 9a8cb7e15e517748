import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEmbeddedCa } from '../../core/adapters/embedded/ca/index.ts';
import { createJwtIssuer, type JwtIssuer } from '../support/jwt.ts';
import { startTestTrellis, type TestTrellis } from '../support/local-trellis.ts';
import { waitFor } from '../support/ports.ts';
import { startSecureSidecar, type SecureSidecar } from '../support/secure-sidecar.ts';
import { get, startUpstream, type Upstream } from '../support/upstream.ts';
import { issueWorkloadCertificate } from '../support/workload-certificate.ts';

const MESH = 'authz';
const TRUST_DOMAIN = 'authz.default.trellis.local';
const HOST = 'server.shop.svc.cluster.local';
const ISSUER = 'https://issuer.trellis.test';

const manifests = (jwt: JwtIssuer) => `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: server, namespace: shop }
spec:
  hosts: [${HOST}]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{ number: 8080, name: http, protocol: HTTP }]
  workloadSelector: { labels: { app: server } }
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: default, namespace: shop }
spec:
  mtls: { mode: STRICT }
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: server-callers, namespace: shop }
spec:
  selector: { matchLabels: { app: server } }
  action: ALLOW
  rules:
    - from: [{ source: { principals: [cluster.local/ns/shop/sa/b] } }]
    - from: [{ source: { requestPrincipals: ["${ISSUER}/alice"] } }]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: api-needs-token, namespace: shop }
spec:
  selector: { matchLabels: { app: server } }
  action: DENY
  rules:
    - from: [{ source: { notRequestPrincipals: ["*"] } }]
      to: [{ operation: { paths: [/api/*] } }]
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: { name: server-jwt, namespace: shop }
spec:
  selector: { matchLabels: { app: server } }
  jwtRules:
    - issuer: ${ISSUER}
      audiences: [server]
      jwks: '${jwt.jwks}'
      outputPayloadToHeader: x-jwt-payload
`;

let trellis: TestTrellis;
let caDir: string;
let app: Upstream;
let server: SecureSidecar;
let clientA: SecureSidecar;
let clientB: SecureSidecar;
let jwt: JwtIssuer;

const call = (client: SecureSidecar, p: string, token?: string) =>
  get(`${client.outbound}${p}`, { host: HOST, ...(token ? { authorization: `Bearer ${token}` } : {}) }).then((r) => r.status);

beforeAll(async () => {
  trellis = await startTestTrellis();
  caDir = mkdtempSync(path.join(os.tmpdir(), 'trellis-e2e-ca-'));
  const ca = await openEmbeddedCa({ dir: path.join(caDir, 'ca') });
  const id = (sa: string) => `spiffe://${TRUST_DOMAIN}/ns/shop/sa/${sa}`;
  const [serverCert, aCert, bCert] = await Promise.all([issueWorkloadCertificate(ca, id('server')), issueWorkloadCertificate(ca, id('a')), issueWorkloadCertificate(ca, id('b'))]);
  jwt = createJwtIssuer(ISSUER);
  app = await startUpstream('server');
  expect((await trellis.api('PUT', `/v1/meshes/${MESH}`, {})).status).toBe(201);
  const applied = await trellis.api('POST', `/v1/meshes/${MESH}/apply`, manifests(jwt));
  expect(applied.status, JSON.stringify(applied.json)).toBe(200);
  const xdsPort = Number(trellis.xdsAddress.split(':')[1]);
  const common = { xdsPort, mesh: MESH, namespace: 'shop' };
  [server, clientA, clientB] = await Promise.all([
    startSecureSidecar({ ...common, workload: 'server', serviceAccount: 'server', labels: { app: 'server' }, appPort: app.port, certificate: serverCert }),
    startSecureSidecar({ ...common, workload: 'a', serviceAccount: 'a', labels: { app: 'a' }, certificate: aCert }),
    startSecureSidecar({ ...common, workload: 'b', serviceAccount: 'b', labels: { app: 'b' }, certificate: bCert }),
  ]);
  await waitFor(async () => (await call(clientB, '/data')) === 200, 'client b reaching the server', 20_000, 100);
  await waitFor(async () => (await call(clientA, '/data')) === 403, 'client a configured', 20_000, 100);
}, 60_000);

afterAll(async () => {
  await Promise.all([server?.stop(), clientA?.stop(), clientB?.stop()]);
  await trellis?.close();
  await app?.close();
  if (caDir) rmSync(caDir, { recursive: true, force: true });
});

describe('AuthorizationPolicy on a real Envoy, by the caller certificate', () => {
  it('denies service account a (403) and allows b', async () => {
    for (let i = 0; i < 10; i++) {
      expect(await call(clientA, '/data')).toBe(403);
      expect(await call(clientB, '/data')).toBe(200);
    }
  });
});

describe('RequestAuthentication with AuthorizationPolicy requestPrincipals', () => {
  it('a path requiring a principal: missing token 403, forged or expired token 401, other audience 403, valid token 200', async () => {
    const forger = createJwtIssuer(ISSUER);
    // Expired well beyond jwt_authn's default 60 s clock skew.
    expect(await call(clientB, '/api/orders')).toBe(403);
    expect(await call(clientB, '/api/orders', forger.token({ sub: 'bob', aud: 'server' }))).toBe(401);
    expect(await call(clientB, '/api/orders', jwt.token({ sub: 'bob', aud: 'server', exp: Math.floor(Date.now() / 1000) - 600 }))).toBe(401);
    // A genuine token for another audience: jwt_authn refuses it with 403 (as in Istio).
    expect(await call(clientB, '/api/orders', jwt.token({ sub: 'bob', aud: 'other' }))).toBe(403);
    app.received.length = 0;
    expect(await call(clientB, '/api/orders', jwt.token({ sub: 'bob', aud: 'server' }))).toBe(200);
    const payload = app.received[0]?.headers['x-jwt-payload'];
    expect(JSON.parse(Buffer.from(String(payload), 'base64url').toString())).toMatchObject({ iss: ISSUER, sub: 'bob' });
    // The token is not forwarded unless forwardOriginalToken is set.
    expect(app.received[0]?.headers['authorization']).toBeUndefined();
  });

  it('a path no policy protects: a missing token is allowed, a forged one is still 401', async () => {
    expect(await call(clientB, '/data')).toBe(200);
    expect(await call(clientB, '/data', createJwtIssuer(ISSUER).token({ sub: 'bob', aud: 'server' }))).toBe(401);
  });

  it('a request principal opens the way for a caller its certificate alone does not: alice yes, bob no', async () => {
    expect(await call(clientA, '/data', jwt.token({ sub: 'alice', aud: 'server' }))).toBe(200);
    expect(await call(clientA, '/data', jwt.token({ sub: 'bob', aud: 'server' }))).toBe(403);
  });
});
