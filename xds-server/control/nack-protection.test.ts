import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openEmbeddedStore } from '../../core/adapters/embedded/store/index.ts';
import type { IstioResource } from '../../core/resources/resource.ts';
import type { ConfigStore } from '../../core/store/config-store.ts';
import { NACK_PROTECTION_AUTHOR, NackProtection } from './nack-protection.ts';
import type { ProxyStatusRecord } from '../../core/fleet/index.ts';

const entry = (port: number): IstioResource => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'ServiceEntry',
  metadata: { name: 'api', namespace: 'shop' },
  spec: { hosts: ['api.example.com'], ports: [{ number: port, name: 'http', protocol: 'HTTP' }], resolution: 'DNS' },
});

async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('condition not met in 2 s');
}

describe('NackProtection', () => {
  let dir: string;
  let store: ConfigStore;
  let announced: number[];
  let connected: number;
  const protection = (decisionDelayMs = 50) =>
    new NackProtection({ store, logger: pino({ level: 'silent' }), announce: async (_t, _m, r) => void announced.push(r), connectedProxies: () => connected, decisionDelayMs });

  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-nack-'));
    store = await openEmbeddedStore({ dir });
    await store.createTenant({ id: 'd' });
    announced = [];
    connected = 2;
    await store.commit({ tenantId: 'd', mesh: (await store.putMesh('d', 'm', { onNack: { action: 'rollback', threshold: 0.5 } })).mesh.name, author: 'key:k', changes: [{ op: 'put', resource: entry(80) }] });
    await store.commit({ tenantId: 'd', mesh: 'm', author: 'key:k', changes: [{ op: 'put', resource: entry(81) }] });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('rolls back once when more than the threshold of the proxies sent a revision rejected it', async () => {
    const p = protection();
    for (const proxy of ['a', 'b']) p.recordSent('d', 'm', 2, proxy);
    p.recordNack({ tenantId: 'd', mesh: 'm', proxyId: 'a', revision: 2, message: 'bad regex' });
    p.recordNack({ tenantId: 'd', mesh: 'm', proxyId: 'b', revision: 2, message: 'bad regex' });
    await until(async () => (await store.getMesh('d', 'm'))!.revision === 3);
    const rev = await store.getRevision('d', 'm', 3);
    expect(rev).toMatchObject({ author: NACK_PROTECTION_AUTHOR, rollbackTo: 1, message: 'automatic rollback of revision 2: 2/2 proxies rejected it: bad regex' });
    expect(announced).toEqual([3]);
    p.recordNack({ tenantId: 'd', mesh: 'm', proxyId: 'a', revision: 3, message: 'still bad' });
    await new Promise((r) => setTimeout(r, 150));
    expect((await store.getMesh('d', 'm'))!.revision).toBe(3);
    p.stop();
  });

  it('does not roll back at or below the threshold, nor with action alert', async () => {
    connected = 4;
    const p = protection();
    for (const proxy of ['a', 'b', 'c', 'd']) p.recordSent('d', 'm', 2, proxy);
    p.recordNack({ tenantId: 'd', mesh: 'm', proxyId: 'a', revision: 2, message: 'x' });
    p.recordNack({ tenantId: 'd', mesh: 'm', proxyId: 'b', revision: 2, message: 'x' });
    await new Promise((r) => setTimeout(r, 150));
    expect((await store.getMesh('d', 'm'))!.revision).toBe(2);

    await store.putMesh('d', 'm', { onNack: { action: 'alert' } });
    p.recordNack({ tenantId: 'd', mesh: 'm', proxyId: 'c', revision: 2, message: 'x' });
    await new Promise((r) => setTimeout(r, 150));
    expect((await store.getMesh('d', 'm'))!.revision).toBe(2);
    p.stop();
  });

  it('decides over the whole fleet: one replica whose only proxy rejects does not roll back what the fleet accepted; when most of the fleet rejects, one rollback is written however many replicas decide', async () => {
    const record = (proxyId: string, replica: string, state: 'SYNCED' | 'NACKED'): ProxyStatusRecord => ({
      proxyId, tenantId: 'd', mesh: 'm', protocol: 'delta', connectedAt: new Date(0).toISOString(), revision: 2,
      types: { rds: { state, sent: 'v', ...(state === 'SYNCED' ? { acked: 'v' } : { lastNack: { version: 'v', message: 'bad regex', at: new Date(0).toISOString() } }) } },
      replica, updatedAt: new Date(0).toISOString(), expiresAt: new Date(Date.now() + 60_000).toISOString(),
    });
    let fleet = [record('a', 'r1', 'NACKED'), record('b', 'r2', 'SYNCED'), record('c', 'r2', 'SYNCED'), record('d', 'r2', 'SYNCED')];
    connected = 1;
    const replica = () => new NackProtection({ store, logger: pino({ level: 'silent' }), announce: async (_t, _m, r) => void announced.push(r), connectedProxies: () => connected, decisionDelayMs: 50, fleet: async () => fleet });
    const [one, two] = [replica(), replica()];
    one.recordSent('d', 'm', 2, 'a');
    one.recordNack({ tenantId: 'd', mesh: 'm', proxyId: 'a', revision: 2, message: 'bad regex' });
    await new Promise((r) => setTimeout(r, 200));
    // Alone, replica one saw 1/1 rejections; the fleet says 1/4.
    expect((await store.getMesh('d', 'm'))!.revision).toBe(2);

    fleet = [record('a', 'r1', 'NACKED'), record('b', 'r2', 'NACKED'), record('c', 'r2', 'NACKED'), record('d', 'r2', 'SYNCED')];
    const three = replica();
    three.recordSent('d', 'm', 2, 'a');
    two.recordSent('d', 'm', 2, 'b');
    three.recordNack({ tenantId: 'd', mesh: 'm', proxyId: 'a', revision: 2, message: 'bad regex' });
    two.recordNack({ tenantId: 'd', mesh: 'm', proxyId: 'b', revision: 2, message: 'bad regex' });
    await until(async () => (await store.getMesh('d', 'm'))!.revision === 3);
    await new Promise((r) => setTimeout(r, 200));
    expect((await store.getMesh('d', 'm'))!.revision).toBe(3);
    expect(await store.getRevision('d', 'm', 3)).toMatchObject({ author: NACK_PROTECTION_AUTHOR, message: 'automatic rollback of revision 2: 3/4 proxies rejected it: bad regex' });
    expect(announced).toEqual([3]);
    for (const p of [one, two, three]) p.stop();
  });
});
