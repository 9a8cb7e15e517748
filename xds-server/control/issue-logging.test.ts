import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEmbeddedStore } from '../../core/adapters/embedded/store/index.ts';
import { InProcessBus } from '../../core/adapters/embedded/bus/in-process-bus.ts';
import type { ConfigStore } from '../../core/store/config-store.ts';
import { CLUSTER_TYPE_URL } from '../protos/index.ts';
import { openSotw, type SotwResponseMessage, type TestStream } from '../server/testing/ads-client.ts';
import { startXds, type RunningXds } from '../start-xds.ts';
import { str, num, labels } from '../server/testing/struct-values.ts';

// Configured addresses cannot be intercepted by a sidecar without traffic redirection: a translation issue in every group.
const legacy = {
  apiVersion: 'networking.istio.io/v1',
  kind: 'ServiceEntry' as const,
  metadata: { name: 'legacy', namespace: 'shop' },
  spec: { hosts: ['legacy.example.com'], addresses: ['10.200.0.1'], location: 'MESH_EXTERNAL', resolution: 'STATIC', ports: [{ number: 80, name: 'http', protocol: 'HTTP' }], endpoints: [{ address: '10.200.0.2' }] },
};

let dir: string;
let store: ConfigStore;
const bus = new InProcessBus();
let xds: RunningXds;
const streams: TestStream<SotwResponseMessage>[] = [];
const lines: { msg?: string; resource?: string; field?: string }[] = [];
const sink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as (typeof lines)[number]);
    done();
  },
});
const issueLines = () => lines.filter((l) => l.msg === 'config not translated for proxy group' && l.resource === 'ServiceEntry/shop/legacy').length;

async function until(done: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-issue-logging-'));
  store = await openEmbeddedStore({ dir });
  await store.createTenant({ id: 'default' });
  await store.putMesh('default', 'prod', {});
  await store.commit({ tenantId: 'default', mesh: 'prod', author: 'test', changes: [{ op: 'put', resource: legacy }] });
  xds = await startXds({ store, bus, logger: pino({ level: 'warn' }, sink), address: '127.0.0.1:0' });
});

afterAll(async () => {
  for (const s of streams) s.close();
  await xds.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('translation issues in the log', () => {
  it('are logged once per mesh revision, however many proxy groups share the translation and however often registrations reload the mesh', async () => {
    // Five groups (different labels), each registering itself: every registration reloads the mesh.
    for (let i = 0; i < 5; i++) {
      const s = openSotw(xds.port);
      streams.push(s);
      s.send({
        node: { id: `web-${i}`, metadata: { fields: { TRELLIS_MESH: str('prod'), NAMESPACE: str('shop'), WORKLOAD_NAME: str(`web-${i}`), SERVICE_ACCOUNT: str('web'), INSTANCE_IP: str(`127.3.0.${i + 1}`), APP_PORT: num(8080), LABELS: labels({ app: `web-${i}` }) } } },
        type_url: CLUSTER_TYPE_URL,
      });
      await s.next(10_000);
    }
    await until(async () => (await xds.controlPlane.list('default', 'prod')).length === 5, 'five proxies');
    await new Promise((r) => setTimeout(r, 500));
    expect(issueLines()).toBe(1);

    // A new revision that still has the issue logs it once more.
    const result = await store.commit({ tenantId: 'default', mesh: 'prod', author: 'test', changes: [{ op: 'put', resource: { ...legacy, metadata: { name: 'other', namespace: 'shop' }, spec: { ...legacy.spec, hosts: ['other.example.com'], addresses: ['10.200.0.3'] } } }] });
    await bus.publish({ tenantId: 'default', mesh: 'prod', revision: result.revision, reason: 'commit', at: new Date().toISOString() });
    await until(async () => (await xds.controlPlane.list('default', 'prod')).every((p) => p.revision === result.revision), 'every proxy at the new revision');
    expect(issueLines()).toBe(2);
  });
});
