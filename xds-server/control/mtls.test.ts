import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEmbeddedStore } from '../../core/adapters/embedded/store/index.ts';
import { InProcessBus } from '../../core/adapters/embedded/bus/in-process-bus.ts';
import { openEmbeddedCa, type EmbeddedCertificateAuthority } from '../../core/adapters/embedded/ca/index.ts';
import { openEmbeddedLedger } from '../../core/adapters/embedded/ledger/index.ts';
import { createCsrPem, generateWorkloadKey } from '../../core/ca/workload-key.ts';
import type { CredentialLedger } from '../../core/identity/credential-ledger.ts';
import { XDS_SERVER_SPIFFE_ID } from '../../core/identity/trust-domain-policy.ts';
import type { Change, ConfigStore } from '../../core/store/config-store.ts';
import { CLUSTER_TYPE_URL } from '../protos/index.ts';
import { namesOf, openSotw } from '../server/testing/ads-client.ts';
import { startXds, type RunningXds } from '../start-xds.ts';
import { InMemoryWorkloadRegistry } from '../../core/adapters/embedded/registry/index.ts';
import { str } from '../server/testing/struct-values.ts';

const registry = new InMemoryWorkloadRegistry();

const SHOP_CART = 'spiffe://prod.default.trellis.local/ns/shop/sa/cart';
let dir: string;
let store: ConfigStore;
let ca: EmbeddedCertificateAuthority;
let ledger: CredentialLedger;
let xds: RunningXds;
const open: { close(): void }[] = [];

function serviceEntry(host: string): Change {
  return { op: 'put', resource: { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: host.split('.')[0]!, namespace: 'shop' }, spec: { hosts: [host], ports: [{ number: 80, name: 'http', protocol: 'HTTP' }], resolution: 'STATIC', endpoints: [{ address: '127.0.0.9' }] } } };
}

async function clientCredentials(spiffeId: string | undefined, authority: EmbeddedCertificateAuthority = ca): Promise<grpc.ChannelCredentials> {
  const bundle = Buffer.from(await ca.trustBundle());
  // The server has no DNS name: it is checked by its SPIFFE ID, as the agent's Envoy does.
  const verify = { checkServerIdentity: (_host: string, cert: { subjectaltname?: string }) => (cert.subjectaltname === `URI:${XDS_SERVER_SPIFFE_ID}` ? undefined : new Error(`unexpected server ${cert.subjectaltname}`)) };
  if (!spiffeId) return grpc.credentials.createSsl(bundle, null, null, verify);
  const key = await generateWorkloadKey();
  const issued = await authority.issue({ csrPem: await createCsrPem(key), spiffeId, ttlSeconds: 3600 });
  return grpc.credentials.createSsl(bundle, Buffer.from(key.privateKeyPem), Buffer.from(issued.certificateChainPem), verify);
}

/** A node claiming to be someone it is not (another tenant, mesh, namespace and service account). */
const lyingNode = (id: string) => ({
  id,
  metadata: { fields: { TRELLIS_TENANT: str('beta'), TRELLIS_MESH: str('other'), NAMESPACE: str('kube-system'), SERVICE_ACCOUNT: str('admin'), WORKLOAD_NAME: str('cart'), TRELLIS_PROXY_KIND: str('sidecar') } },
});

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-xds-mtls-'));
  store = await openEmbeddedStore({ dir: path.join(dir, 'store') });
  ca = await openEmbeddedCa({ dir: path.join(dir, 'ca') });
  ledger = await openEmbeddedLedger({ dir: path.join(dir, 'ledger') });
  for (const tenant of ['default', 'beta']) await store.createTenant({ id: tenant });
  for (const [tenant, mesh, host] of [['default', 'prod', 'prod-only.example'], ['default', 'other', 'other-mesh.example'], ['beta', 'other', 'beta-only.example']] as const) {
    await store.putMesh(tenant, mesh, {});
    await store.commit({ tenantId: tenant, mesh, author: 'test', message: 'seed', changes: [serviceEntry(host)] });
    await ledger.claimTrustDomain(`${mesh}.${tenant}.trellis.local`, { tenantId: tenant, mesh });
  }
  xds = await startXds({ store, bus: new InProcessBus(), registry, logger: pino({ level: 'silent' }), address: '127.0.0.1:0', mtls: { ca, ledger, bundleRefreshMs: 100 } });
});

afterAll(async () => {
  for (const c of open) c.close();
  await xds?.stop();
  await ledger?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

function stream(credentials: grpc.ChannelCredentials) {
  const s = openSotw(xds.port, credentials);
  open.push(s);
  return s;
}

describe('xDS over mTLS', () => {
  it("serves the certificate's mesh and identity, ignoring what the node metadata claims", async () => {
    // Prepare
    const s = stream(await clientCredentials(SHOP_CART));
    // Act
    s.send({ node: lyingNode('cart-1'), type_url: CLUSTER_TYPE_URL, resource_names: [] });
    const response = await s.next(5000).catch((e: unknown) => { throw new Error(`${String(e)} ${JSON.stringify(s.status)}`); });
    // Assess
    const names = namesOf(response).join(' ');
    expect(names).toContain('prod-only.example');
    expect(names).not.toContain('beta-only');
    expect(names).not.toContain('other-mesh');
    const [status] = await xds.controlPlane.list('default', 'prod');
    expect(status).toMatchObject({ proxyId: 'cart-1', namespace: 'shop', serviceAccount: 'cart', certificate: { spiffeId: SHOP_CART, notAfter: expect.any(String) } });
    expect(await xds.controlPlane.list('beta', 'other')).toEqual([]);
    expect(await xds.controlPlane.list('default', 'other')).toEqual([]);
  });

  it('auto-registers the proxy under the identity of its certificate only', async () => {
    const s = stream(await clientCredentials(SHOP_CART));
    const node = lyingNode('cart-registering');
    Object.assign(node.metadata.fields, { INSTANCE_IP: str('127.0.0.7'), APP_PORT: { numberValue: 8080 } });
    s.send({ node, type_url: CLUSTER_TYPE_URL });
    await s.next(5000);
    const deadline = Date.now() + 5000;
    let entries: { namespace: string; serviceAccount: string; address: string; spiffeId?: string }[] = [];
    while (entries.length === 0 && Date.now() < deadline) {
      entries = await registry.list('default', 'prod');
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(entries.map((e) => [e.namespace, e.serviceAccount, e.address, e.spiffeId])).toEqual([['shop', 'cart', '127.0.0.7', SHOP_CART]]);
    for (const [tenant, mesh] of [['beta', 'other'], ['default', 'other']] as const) {
      expect(await registry.list(tenant, mesh)).toEqual([]);
      expect((await store.listResources(tenant, mesh, { kind: 'WorkloadEntry' })).items).toEqual([]);
    }
  });

  it("cannot take over another identity's proxy id", async () => {
    const other = stream(await clientCredentials('spiffe://prod.default.trellis.local/ns/shop/sa/thief'));
    other.send({ node: lyingNode('cart-1'), type_url: CLUSTER_TYPE_URL });
    await other.next(5000);
    const byId = new Map((await xds.controlPlane.list('default', 'prod')).map((p) => [p.proxyId, p.serviceAccount]));
    expect(byId.get('cart-1')).toBe('cart');
    expect(byId.get('cart-1@spiffe://prod.default.trellis.local/ns/shop/sa/thief')).toBe('thief');
  });

  it('refuses a client without a certificate, and one from another CA', async () => {
    const noCert = stream(await clientCredentials(undefined));
    noCert.send({ node: lyingNode('anon'), type_url: CLUSTER_TYPE_URL });
    expect((await noCert.ended).code).toBe(grpc.status.UNAVAILABLE);

    const foreignCa = await openEmbeddedCa({ dir: path.join(dir, 'foreign-ca') });
    const foreign = stream(await clientCredentials(SHOP_CART, foreignCa));
    foreign.send({ node: lyingNode('forged'), type_url: CLUSTER_TYPE_URL });
    expect((await foreign.ended).code).toBe(grpc.status.UNAVAILABLE);
  });

  it('refuses a certificate whose trust domain belongs to no mesh', async () => {
    const s = stream(await clientCredentials('spiffe://ghost.default.trellis.local/ns/shop/sa/cart'));
    s.send({ node: lyingNode('ghost'), type_url: CLUSTER_TYPE_URL });
    const status = await s.ended;
    expect(status.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(status.details).toContain('belongs to no mesh');
  });

  it('trusts both roots during a root rotation, without a restart', async () => {
    const fromOldRoot = await clientCredentials(SHOP_CART);
    await ca.rotateRoot();
    // The server re-reads the bundle (every 100 ms here) and swaps it into the listening socket.
    await new Promise((r) => setTimeout(r, 400));
    for (const [id, creds] of [['cart-new-root', await clientCredentials(SHOP_CART)], ['cart-old-root', fromOldRoot]] as const) {
      const s = stream(creds);
      s.send({ node: lyingNode(id), type_url: CLUSTER_TYPE_URL });
      expect(namesOf(await s.next(5000)).join(' ')).toContain('prod-only.example');
    }
  });
});
