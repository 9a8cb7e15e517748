import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openEmbeddedStore } from '../../core/adapters/embedded/store/index.ts';
import type { ConfigStore } from '../../core/store/config-store.ts';
import type { AdsServer } from '../server/index.ts';
import { RevisionFeedback } from './revision-feedback.ts';

/**
 * The streams as RevisionFeedback asks about them: whether each awaits an answer, has a push
 * scheduled, holds what is served. A push "runs" when the test says so.
 */
class Streams {
  readonly awaiting = new Set<string>();
  readonly inSync = new Set<string>();
  readonly scheduled = new Map<string, (() => void)[]>();
  inSyncAsked = 0;

  asAds(): AdsServer {
    return {
      streamAwaitingAnswer: (id: string) => this.awaiting.has(id),
      streamInSync: (id: string) => {
        this.inSyncAsked++;
        return this.inSync.has(id);
      },
      whenPushed: (id: string, then: () => void) => {
        const waiting = this.scheduled.get(id);
        if (!waiting) return false;
        waiting.push(then);
        return true;
      },
    } as unknown as AdsServer;
  }

  /** The scheduled push runs: `sent` says whether it sent anything (then an answer is awaited). */
  push(id: string, sent: boolean): void {
    const waiting = this.scheduled.get(id) ?? [];
    this.scheduled.delete(id);
    if (sent) this.awaiting.add(id);
    for (const then of waiting) then();
  }
}

describe('RevisionFeedback: convergence of a published revision', () => {
  let dir: string;
  let store: ConfigStore;
  let streams: Streams;
  let feedback: RevisionFeedback;
  let revision: number;
  const ids = ['s1', 's2', 's3'];

  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-revision-feedback-'));
    store = await openEmbeddedStore({ dir });
    await store.createTenant({ id: 'default' });
    await store.putMesh('default', 'prod', {});
    await store.commit({ tenantId: 'default', mesh: 'prod', author: 'test', changes: [{ op: 'put', resource: { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'cart', namespace: 'shop' }, spec: { host: 'cart.shop.svc.cluster.local' } } }] });
    revision = (await store.getMesh('default', 'prod'))!.revision;
    streams = new Streams();
    feedback = new RevisionFeedback({
      store,
      logger: pino({ level: 'silent' }),
      streamContext: (id) => (ids.includes(id) ? { tenantId: 'default', mesh: 'prod', proxyId: `proxy-${id}`, revision } : undefined),
      streamsOf: () => ids.map((id) => ({ streamId: id, proxyId: `proxy-${id}` })),
      announce: async () => undefined,
    });
    feedback.attach(streams.asAds());
  });

  afterEach(async () => {
    feedback.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const acked = () => feedback.convergence('default', 'prod', [revision]).get(revision)?.acked;

  it('counts a stream whose scheduled push sent nothing once that push has run, and asks nothing of it before', async () => {
    for (const id of ids) {
      streams.scheduled.set(id, []);
      streams.inSync.add(id);
    }
    await feedback.published('default', 'prod', revision);
    expect(streams.inSyncAsked).toBe(0);
    expect(acked()).toBe(0);

    // Nothing for s1 after all (say, only routes it does not subscribe to changed): no answer will come.
    streams.push('s1', false);
    expect(acked()).toBe(1);
    // s2 was sent something: its answer decides, not the push.
    streams.push('s2', true);
    expect(acked()).toBe(1);
    streams.awaiting.delete('s2');
    feedback.onAck({ streamId: 's2', proxyId: 'proxy-s2', scope: 'x', protocol: 'sotw', peer: '', typeUrl: 'type.googleapis.com/envoy.config.cluster.v3.Cluster', version: 'v', nonce: 'n' });
    expect(acked()).toBe(2);
    // A stream found not in sync after its push stays waiting.
    streams.inSync.delete('s3');
    streams.push('s3', false);
    expect(acked()).toBe(2);
  });

  it('waits once per scheduled push however often the stream is checked meanwhile', async () => {
    streams.scheduled.set('s1', []);
    await feedback.published('default', 'prod', revision);
    feedback.onAck({ streamId: 's1', proxyId: 'proxy-s1', scope: 'x', protocol: 'sotw', peer: '', typeUrl: 'type.googleapis.com/envoy.config.cluster.v3.Cluster', version: 'v', nonce: 'n' });
    expect(streams.scheduled.get('s1')).toHaveLength(1);
  });

  it('checks a stream with nothing scheduled and nothing awaited at once', async () => {
    streams.inSync.add('s1');
    streams.inSync.add('s2');
    streams.awaiting.add('s3');
    await feedback.published('default', 'prod', revision);
    expect(streams.inSyncAsked).toBe(2);
    expect(acked()).toBe(2);
  });
});
