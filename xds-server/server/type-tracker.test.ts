import { describe, expect, it } from 'vitest';
import { CLUSTER_TYPE_URL } from '../protos/index.ts';
import { TypeTracker, type SentResource } from './type-tracker.ts';

/** A tracker with a session's record of what was sent (name → version), updated as a session does. */
function tracked(answerSettlesOlder = false) {
  const held = new Map<string, string>();
  const t = new TypeTracker(CLUSTER_TYPE_URL, 8, answerSettlesOlder, (name) => held.get(name));
  return {
    t,
    held,
    send(nonce: string, version: string, sent: SentResource[], removed: string[] = []) {
      const before = sent.map((r) => held.get(r.name));
      for (const r of sent) held.set(r.name, r.version);
      for (const name of removed) held.delete(name);
      t.recordSend(nonce, version, sent, removed, (_name, i) => before[i]);
    },
    resources: () => t.status(true, [], held).resources,
  };
}

describe('TypeTracker', () => {
  it('remembers that a subscription is in sync until the served map, the key, a send or an answer changes', () => {
    const { t, held, send } = tracked();
    let reads = 0;
    const counted = { get: (name: string) => (reads++, held.get(name)), keys: () => held.keys() };
    const served = new Map([
      ['a', { version: '1' }],
      ['b', { version: '1' }],
    ]);
    send('n1', 'v1', [{ name: 'a', version: '1' }, { name: 'b', version: '1' }]);
    expect(t.inSync(false, ['a', 'b'], counted, served, false, 'k1')).toBe(false);
    t.recordAck('n1');
    expect(t.inSync(false, ['a', 'b'], counted, served, false, 'k1')).toBe(true);
    reads = 0;
    // Asked again with nothing changed: the answer is remembered, not walked.
    expect(t.inSync(false, ['a', 'b'], counted, served, false, 'k1')).toBe(true);
    expect(reads).toBe(0);
    // Without a key nothing is remembered.
    expect(t.inSync(false, ['a', 'b'], counted, served, false)).toBe(true);
    expect(reads).toBe(2);

    // Another key (the session's subscriptions or held set changed) is checked afresh.
    expect(t.inSync(false, ['a', 'b', 'c'], counted, new Map([...served, ['c', { version: '1' }]]), false, 'k2')).toBe(false);
    // A new served map with a version the proxy does not hold.
    const next = new Map([...served, ['b', { version: '2' }]]);
    expect(t.inSync(false, ['a', 'b'], counted, next, false, 'k1')).toBe(false);
    send('n2', 'v2', [{ name: 'b', version: '2' }]);
    // Sent, not answered; then refused.
    expect(t.inSync(false, ['a', 'b'], counted, next, false, 'k1')).toBe(false);
    t.recordNack('n2', 'bad', 3, new Date(0));
    expect(t.inSync(false, ['a', 'b'], counted, next, false, 'k1')).toBe(false);
    send('n3', 'v3', [{ name: 'b', version: '2' }]);
    t.recordAck('n3');
    expect(t.inSync(false, ['a', 'b'], counted, next, false, 'k1')).toBe(true);
    // The map it was found in sync with is no longer served: back to the old one, which b is not at.
    expect(t.inSync(false, ['a', 'b'], counted, served, false, 'k1')).toBe(false);
  });

  it('follows each resource from sent to acknowledged, through a newer version sent, a NACK and an acknowledgement of an older response', () => {
    const { t, send, resources } = tracked();
    send('n1', 'v1', [{ name: 'a', version: '1' }, { name: 'b', version: '1' }]);
    expect(resources()).toEqual({ a: { sent: '1' }, b: { sent: '1' } });
    t.recordAck('n1');
    expect(resources()).toEqual({ a: { sent: '1', acked: '1' }, b: { sent: '1', acked: '1' } });

    send('n2', 'v2', [{ name: 'a', version: '2' }]);
    send('n3', 'v3', [{ name: 'a', version: '3' }], ['b']);
    expect(resources()).toEqual({ a: { sent: '3', acked: '1' } });
    // The older response is acknowledged: what it carried is in force, the newest is not yet.
    t.recordAck('n2');
    expect(resources()).toEqual({ a: { sent: '3', acked: '2' } });
    t.recordNack('n3', 'bad', 3, new Date(0));
    expect(resources()).toEqual({ a: { sent: '3', acked: '2' } });
    expect(t.status(true, [], []).lastNack).toMatchObject({ version: 'v3', message: 'bad' });

    send('n4', 'v4', [{ name: 'a', version: '4' }]);
    t.recordAck('n4');
    expect(resources()).toEqual({ a: { sent: '4', acked: '4' } });
  });

  it('counts a resource sent back to the version the proxy acknowledged as in force, and a re-sent unchanged one as still acknowledged', () => {
    const { t, send, resources } = tracked();
    send('n1', 'v1', [{ name: 'a', version: '1' }, { name: 'b', version: '1' }]);
    t.recordAck('n1');
    send('n2', 'v2', [{ name: 'a', version: '2' }]);
    // Back to 1 before the proxy answered: 1 is what it runs.
    send('n3', 'v3', [{ name: 'a', version: '1' }, { name: 'b', version: '1' }]);
    expect(resources()).toEqual({ a: { sent: '1', acked: '1' }, b: { sent: '1', acked: '1' } });
    t.recordAck('n2');
    expect(resources()).toEqual({ a: { sent: '1', acked: '1' }, b: { sent: '1', acked: '1' } });
  });

  it('under state of the world, an answer to the latest response settles the older ones', () => {
    const { t, send, resources } = tracked(true);
    send('n1', 'v1', [{ name: 'a', version: '1' }]);
    send('n2', 'v2', [{ name: 'a', version: '2' }]);
    t.recordAck('n2');
    expect(resources()).toEqual({ a: { sent: '2', acked: '2' } });
    expect(t.recordAck('n1')).toBeUndefined();
    expect(t.awaitingAnswer()).toBe(false);
  });

  it('forgets a resource the proxy unsubscribed from, so a late acknowledgement does not bring it back', () => {
    const { t, held, send, resources } = tracked();
    send('n1', 'v1', [{ name: 'a', version: '1' }, { name: 'b', version: '1' }]);
    held.delete('b');
    t.forget(['b']);
    t.recordAck('n1');
    expect(resources()).toEqual({ a: { sent: '1', acked: '1' } });
  });

  it('counts what a reconnecting proxy says it holds as sent and acknowledged', () => {
    const { t, held } = tracked();
    held.set('a', '9');
    t.recordAdopted('v9');
    expect(t.status(true, [], held)).toMatchObject({ versionSent: 'v9', versionAcked: 'v9', resources: { a: { sent: '9', acked: '9' } } });
  });
});
