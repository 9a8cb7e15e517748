import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEmbeddedCa } from '../../core/adapters/embedded/ca/index.ts';
import { startTestTrellis, type TestTrellis } from '../support/local-trellis.ts';
import { waitFor } from '../support/ports.ts';
import { startSecureSidecar, type SecureSidecar } from '../support/secure-sidecar.ts';
import { startUpstream, type Upstream } from '../support/upstream.ts';
import { issueWorkloadCertificate } from '../support/workload-certificate.ts';

// AuthorizationPolicy path templates and AUDIT, as Istio's authorization tasks write them, on a real Envoy sidecar.
const MESH = 'compat-authz';
const TRUST_DOMAIN = `${MESH}.default.trellis.local`;
const HOST = 'catalog.shop.svc.cluster.local';

const MANIFESTS = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: catalog, namespace: shop }
spec:
  hosts: [${HOST}]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{ number: 8000, name: http, protocol: HTTP }]
  workloadSelector: { labels: { app: catalog } }
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: audit-deletes, namespace: shop }
spec:
  selector: { matchLabels: { app: catalog } }
  action: AUDIT
  rules:
    - to: [{ operation: { methods: [DELETE], paths: ["/store/{*}/items/{**}"] } }]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: internal-deny, namespace: shop }
spec:
  selector: { matchLabels: { app: catalog } }
  action: DENY
  rules:
    - to: [{ operation: { paths: ["/internal/{**}"], notPaths: ["/internal/public/{*}"] } }]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: store-readers, namespace: shop }
spec:
  selector: { matchLabels: { app: catalog } }
  action: ALLOW
  rules:
    - to: [{ operation: { paths: ["/store/{*}/items/{**}", "/profiles/{*}", "/internal/{**}"] } }]
`;

let trellis: TestTrellis;
let caDir: string;
let app: Upstream;
let server: SecureSidecar;
let client: SecureSidecar;

/** The status of a bodiless request through the client's outbound listener (fetch cannot set Host). */
function call(p: string, method = 'GET'): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${client.outbound}${p}`, { method, headers: { host: HOST }, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${p} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** Requests the audit filter saw, and those its rule matched (Envoy's per-rule counter of the LOG action). */
const auditSeen = async () => (await server.envoy.stat(`http.inbound_${app.port}.rbac.audit.allowed`)) ?? 0;
async function audited(): Promise<number> {
  // The policy name holds brackets, which stat() would read as a regex: find the exact line.
  const name = `http.inbound_${app.port}.rbac.audit.policy.ns[shop]-policy[audit-deletes]-rule[0].allowed`;
  const line = (await server.envoy.admin('/stats')).split('\n').find((l) => l.startsWith(`${name}: `));
  return line ? Number(line.slice(name.length + 2)) : 0;
}

beforeAll(async () => {
  trellis = await startTestTrellis();
  caDir = mkdtempSync(path.join(os.tmpdir(), 'trellis-compat-ca-'));
  const ca = await openEmbeddedCa({ dir: path.join(caDir, 'ca') });
  const id = (sa: string) => `spiffe://${TRUST_DOMAIN}/ns/shop/sa/${sa}`;
  const [serverCert, clientCert] = await Promise.all([issueWorkloadCertificate(ca, id('catalog')), issueWorkloadCertificate(ca, id('web'))]);
  app = await startUpstream('catalog');
  expect((await trellis.api('PUT', `/v1/meshes/${MESH}`, {})).status).toBe(201);
  const applied = await trellis.api('POST', `/v1/meshes/${MESH}/apply`, MANIFESTS);
  expect(applied.status, JSON.stringify(applied.json)).toBe(200);
  const common = { xdsPort: Number(trellis.xdsAddress.split(':')[1]), mesh: MESH, namespace: 'shop' };
  [server, client] = await Promise.all([
    startSecureSidecar({ ...common, workload: 'catalog', serviceAccount: 'catalog', labels: { app: 'catalog' }, appPort: app.port, certificate: serverCert }),
    startSecureSidecar({ ...common, workload: 'web', serviceAccount: 'web', labels: { app: 'web' }, certificate: clientCert }),
  ]);
  // Configured once a path outside every template is refused and one inside is served.
  await waitFor(async () => (await call('/store/7/items/9')) === 200 && (await call('/elsewhere')) === 403, 'the policies in force', 30_000, 100);
}, 90_000);

afterAll(async () => {
  await Promise.all([server?.stop(), client?.stop()]);
  await trellis?.close();
  await app?.close();
  if (caDir) rmSync(caDir, { recursive: true, force: true });
});

describe('Istio path templates on a real Envoy', () => {
  it('{*} is exactly one segment and {**} the rest of the path', async () => {
    expect(await call('/profiles/ana')).toBe(200);
    expect(await call('/profiles/ana?tab=orders')).toBe(200);
    expect(await call('/profiles/ana/orders')).toBe(403);
    expect(await call('/profiles/')).toBe(403);
    expect(await call('/store/7/items/9')).toBe(200);
    expect(await call('/store/7/items/9/reviews/3')).toBe(200);
    expect(await call('/store/7/8/items/9')).toBe(403);
    expect(await call('/store/items')).toBe(403);
  });

  it('in a DENY rule with notPaths: /internal/public/{*} stays open, the rest of /internal/{**} is refused', async () => {
    expect(await call('/internal/public/logo.png')).toBe(200);
    expect(await call('/internal/public/a/b')).toBe(403);
    expect(await call('/internal/admin')).toBe(403);
  });
});

describe('AUDIT on a real Envoy', () => {
  it('marks and counts the requests its rule matches, and never refuses one', async () => {
    const [seen, matched] = [await auditSeen(), await audited()];
    expect(await call('/store/7/items/9', 'DELETE')).toBe(200);
    expect(await call('/store/7/items/9/reviews/3', 'DELETE')).toBe(200);
    expect(await call('/store/7/items/9')).toBe(200);
    // The audit filter runs before DENY, so it sees a refused request too.
    expect(await call('/internal/admin')).toBe(403);
    await waitFor(async () => (await auditSeen()) === seen + 4, 'the audit filter to count four requests', 10_000, 100);
    expect(await audited()).toBe(matched + 2);
    await server.envoy.assertNoTrouble();
  });
});
