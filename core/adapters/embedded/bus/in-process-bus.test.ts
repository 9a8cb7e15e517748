import { describe, expect, it } from 'vitest';
import { InProcessBus } from './in-process-bus.ts';
import type { MeshChangeEvent } from '../../../bus/change-bus.ts';

const event: MeshChangeEvent = { tenantId: 't1', mesh: 'm1', revision: 3, reason: 'commit', at: '2026-01-01T00:00:00Z' };

describe('InProcessBus', () => {
  it('delivers every event to every subscriber until it unsubscribes', async () => {
    const bus = new InProcessBus();
    const a: number[] = [];
    const b: number[] = [];
    const subA = await bus.subscribe((e) => void a.push(e.revision));
    await bus.subscribe((e) => void b.push(e.revision));
    await bus.publish(event);
    await new Promise((r) => setTimeout(r, 0));
    await subA.close();
    await bus.publish({ ...event, revision: 4 });
    await new Promise((r) => setTimeout(r, 0));
    expect(a).toEqual([3]);
    expect(b).toEqual([3, 4]);
  });

  it('isolates a failing subscriber and reports its error', async () => {
    const errors: unknown[] = [];
    const bus = new InProcessBus((err) => errors.push(err));
    const seen: number[] = [];
    await bus.subscribe(() => {
      throw new Error('boom');
    });
    await bus.subscribe((e) => void seen.push(e.revision));
    await bus.publish(event);
    await new Promise((r) => setTimeout(r, 0));
    expect(seen).toEqual([3]);
    expect(String(errors[0])).toContain('boom');
  });
});
