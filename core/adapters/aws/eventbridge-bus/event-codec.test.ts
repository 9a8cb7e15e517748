import { describe, expect, it } from 'vitest';
import type { MeshChangeEvent } from '../../../bus/change-bus.ts';
import { LimitExceededError, ValidationError } from '../../../errors.ts';
import { DETAIL_TYPE, EVENT_SOURCE, MAX_DETAIL_BYTES } from './constants.ts';
import { fromQueueMessageBody, toPutEventsEntry } from './event-codec.ts';
import { replicaResourceName } from './replica-names.ts';

const event: MeshChangeEvent = { tenantId: 'acme', mesh: 'shop', revision: 3, reason: 'commit', at: '2026-01-01T00:00:00.000Z' };
const body = (detail: unknown, source = EVENT_SOURCE) => JSON.stringify({ version: '0', id: 'x', source, 'detail-type': DETAIL_TYPE, detail });

describe('toPutEventsEntry', () => {
  it('puts only the port fields on the bus', () => {
    const entry = toPutEventsEntry({ ...event, extra: 'x'.repeat(100) } as MeshChangeEvent, 'changes');

    expect(entry).toEqual({ EventBusName: 'changes', Source: EVENT_SOURCE, DetailType: DETAIL_TYPE, Detail: JSON.stringify(event) });
  });

  it('refuses an event over the size bound', () => {
    expect(() => toPutEventsEntry({ ...event, mesh: 'm'.repeat(MAX_DETAIL_BYTES) }, 'changes')).toThrow(LimitExceededError);
  });
});

describe('fromQueueMessageBody', () => {
  it('reads what EventBridge delivers', () => {
    expect(fromQueueMessageBody(body(event))).toEqual({ ok: true, value: event });
  });

  it.each([
    ['no body', undefined],
    ['not JSON', '{'],
    ['JSON null', 'null'],
    ['another source', body(event, 'someone.else')],
    ['no detail', body(undefined)],
    ['a negative revision', body({ ...event, revision: -1 })],
    ['an unknown reason', body({ ...event, reason: 'gossip' })],
  ])('returns errors for %s instead of throwing', (_, input) => {
    const result = fromQueueMessageBody(input);

    expect(result.ok).toBe(false);
  });
});

describe('replicaResourceName', () => {
  it('prefixes the replica id', () => {
    expect(replicaResourceName('task-0a1b')).toBe('trellis-xds-task-0a1b');
  });

  it.each(['', 'has space', 'dots.are.not.queue.names', 'x'.repeat(53)])('rejects %j', (id) => {
    expect(() => replicaResourceName(id)).toThrow(ValidationError);
  });
});
