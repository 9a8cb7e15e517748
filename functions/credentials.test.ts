import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openEmbeddedStore } from '../core/adapters/embedded/store/index.ts';
import { InProcessBus } from '../core/adapters/embedded/bus/in-process-bus.ts';
import { EmbeddedCredentialStore } from '../core/adapters/embedded/credentials/index.ts';
import type { MeshChangeEvent } from '../core/bus/change-bus.ts';
import type { ConfigStore } from '../core/store/config-store.ts';
import { makeTestCa, makeTestLeaf, type TestCertificate } from '../test/support/tls-certificates.ts';
import { createApi } from './app.ts';
import { ensureBootstrap } from './bootstrap.ts';

const ADMIN = 'credentials-admin-key-0123456789';

let dir: string;
let store: ConfigStore;
let events: MeshChangeEvent[];
let leaf: TestCertificate;

async function app(withCredentials = true) {
  const bus = new InProcessBus();
  await bus.subscribe((e) => void events.push(e));
  const credentials = withCredentials ? await EmbeddedCredentialStore.open({ dir: path.join(dir, 'credentials') }) : undefined;
  const api = createApi({ store, bus, logger: pino({ level: 'silent' }), ...(credentials ? { credentials } : {}) });
  return (method: string, p: string, body?: unknown, key = ADMIN) =>
    api.request(p, { method, headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
}

beforeEach(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-credentials-api-'));
  store = await openEmbeddedStore({ dir: path.join(dir, 'store') });
  await ensureBootstrap(store, { bootstrapKey: ADMIN });
  events = [];
  leaf = await makeTestLeaf(await makeTestCa('ca'), { dns: ['shop.example.com'], commonName: 'shop.example.com' });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('credentials API', () => {
  it('stores an upload, announces it to the xDS servers, and shows metadata only', async () => {
    // Prepare
    const call = await app();
    expect((await call('PUT', '/v1/meshes/m1', {})).status).toBe(201);
    const before = events.length;
    // Act
    const put = await call('PUT', '/v1/meshes/m1/credentials/ingress/shop', { certificateChain: leaf.certificatePem, privateKey: leaf.privateKeyPem });
    const replaced = await call('PUT', '/v1/meshes/m1/credentials/ingress/shop', { certificateChain: leaf.certificatePem, privateKey: leaf.privateKeyPem });
    // Assess
    expect(put.status).toBe(201);
    expect(replaced.status).toBe(200);
    expect(await put.json()).toMatchObject({ namespace: 'ingress', name: 'shop', subjectAltNames: ['DNS:shop.example.com'] });
    expect(events.slice(before)).toEqual([expect.objectContaining({ reason: 'mesh-updated', mesh: 'm1' }), expect.objectContaining({ reason: 'mesh-updated', mesh: 'm1' })]);
    const listed = await (await call('GET', '/v1/meshes/m1/credentials')).text();
    expect(listed).toContain('shop.example.com');
    expect(listed).not.toContain('PRIVATE KEY');
  });

  it("keeps tenants apart: another tenant's mesh is 404", async () => {
    const call = await app();
    expect((await call('PUT', '/v1/meshes/m1', {})).status).toBe(201);
    expect((await call('PUT', '/v1/meshes/m1/credentials/ingress/shop', { certificateChain: leaf.certificatePem, privateKey: leaf.privateKeyPem })).status).toBe(201);
    expect((await call('POST', '/v1/tenants', { id: 'other' })).status).toBe(201);
    const secret = ((await (await call('POST', '/v1/tenants/other/api-keys', {})).json()) as { key: string }).key;
    expect((await call('GET', '/v1/meshes/m1/credentials/ingress/shop', undefined, secret)).status).toBe(404);
    expect((await call('PUT', '/v1/meshes/m1/credentials/ingress/shop', { certificateChain: leaf.certificatePem, privateKey: leaf.privateKeyPem }, secret)).status).toBe(404);
  });

  it('refuses bad names, unknown fields and oversized bodies; answers 503 where no store is configured', async () => {
    const call = await app();
    expect((await call('PUT', '/v1/meshes/m1', {})).status).toBe(201);
    expect((await call('PUT', '/v1/meshes/m1/credentials/Ingress/shop', { certificateChain: leaf.certificatePem, privateKey: leaf.privateKeyPem })).status).toBe(400);
    const unknown = await call('PUT', '/v1/meshes/m1/credentials/ingress/shop', { certificateChain: leaf.certificatePem, privateKey: leaf.privateKeyPem, passphrase: 'x' });
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain('passphrase');
    expect((await call('PUT', '/v1/meshes/m1/credentials/ingress/shop', { certificateChain: 'x'.repeat(300 * 1024), privateKey: 'y' })).status).toBe(413);
    const without = await app(false);
    expect((await without('GET', '/v1/meshes/m1/credentials')).status).toBe(503);
  });
});
