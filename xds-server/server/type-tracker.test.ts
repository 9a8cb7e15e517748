import { describe, expect, it } from 'vitest';
import { CLUSTER_TYPE_URL } from '../protos/index.ts';
import { TypeTracker } from './type-tracker.ts';

const resourcesOf = (t: TypeTracker) => t.status(true, []).resources;

describe('TypeTracker', () => {
  it('follows each resource from sent to acknowledged, through a newer version sent, a NACK and an acknowledgement of an older response', () => {
    const t = new TypeTracker(CLUSTER_TYPE_URL, 8, false);
    t.recordSend('n1', 'v1', [{ name: 'a', version: '1' }, { name: 'b', version: '1' }], []);
    expect(resourcesOf(t)).toEqual({ a: { sent: '1' }, b: { sent: '1' } });
    t.recordAck('n1');
    expect(resourcesOf(t)).toEqual({ a: { sent: '1', acked: '1' }, b: { sent: '1', acked: '1' } });

    t.recordSend('n2', 'v2', [{ name: 'a', version: '2' }], []);
    t.recordSend('n3', 'v3', [{ name: 'a', version: '3' }], ['b']);
    expect(resourcesOf(t)).toEqual({ a: { sent: '3', acked: '1' } });
    // The older response is acknowledged: what it carried is in force, the newest is not yet.
    t.recordAck('n2');
    expect(resourcesOf(t)).toEqual({ a: { sent: '3', acked: '2' } });
    t.recordNack('n3', 'bad', 3, new Date(0));
    expect(resourcesOf(t)).toEqual({ a: { sent: '3', acked: '2' } });
    expect(t.status(true, []).lastNack).toMatchObject({ version: 'v3', message: 'bad' });

    t.recordSend('n4', 'v4', [{ name: 'a', version: '4' }], []);
    t.recordAck('n4');
    expect(resourcesOf(t)).toEqual({ a: { sent: '4', acked: '4' } });
    t.forget(['a']);
    expect(resourcesOf(t)).toEqual({});
  });

  it('counts what a reconnecting proxy says it holds as sent and acknowledged', () => {
    const t = new TypeTracker(CLUSTER_TYPE_URL, 8, false);
    t.recordAdopted('v9', [['a', '9']]);
    expect(t.status(true, [])).toMatchObject({ versionSent: 'v9', versionAcked: 'v9', resources: { a: { sent: '9', acked: '9' } } });
  });
});
