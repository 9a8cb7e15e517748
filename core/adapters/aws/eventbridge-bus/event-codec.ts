import { z } from 'zod';
import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { MeshChangeEvent } from '../../../bus/change-bus.ts';
import { LimitExceededError } from '../../../errors.ts';
import { fail, ok } from '../../../result.ts';
import type { Result } from '../../../result.ts';
import { DETAIL_TYPE, EVENT_SOURCE, MAX_DETAIL_BYTES } from './constants.ts';

const meshChangeEvent = z.object({
  tenantId: z.string().min(1),
  mesh: z.string().min(1),
  revision: z.number().int().nonnegative(),
  reason: z.enum(['commit', 'mesh-updated', 'mesh-deleted', 'workloads']),
  at: z.string(),
});

// What EventBridge puts in an SQS message body; other envelope fields are ignored.
const envelope = z.object({
  source: z.literal(EVENT_SOURCE),
  'detail-type': z.literal(DETAIL_TYPE),
  detail: meshChangeEvent,
});

/** One PutEvents entry for `event`; refuses an event whose detail is over MAX_DETAIL_BYTES. */
export function toPutEventsEntry(event: MeshChangeEvent, eventBusName: string): PutEventsRequestEntry {
  const { tenantId, mesh, revision, reason, at } = event;
  // Only the port's fields go on the wire, so a caller's extra properties never leak or bloat it.
  const detail = JSON.stringify({ tenantId, mesh, revision, reason, at });
  const bytes = Buffer.byteLength(detail, 'utf8');
  if (bytes > MAX_DETAIL_BYTES) {
    throw new LimitExceededError(`change event is ${bytes} bytes; the limit is ${MAX_DETAIL_BYTES}`);
  }
  return { EventBusName: eventBusName, Source: EVENT_SOURCE, DetailType: DETAIL_TYPE, Detail: detail };
}

/** Reads a MeshChangeEvent from the body EventBridge delivered to SQS; never throws. */
export function fromQueueMessageBody(body: string | undefined): Result<MeshChangeEvent> {
  if (body === undefined) return fail([{ path: '', message: 'empty message body' }]);
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (err) {
    return fail([{ path: '', message: `not JSON: ${err instanceof Error ? err.message : String(err)}` }]);
  }
  const parsed = envelope.safeParse(json);
  if (!parsed.success) {
    return fail(parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
  }
  return ok(parsed.data.detail);
}
