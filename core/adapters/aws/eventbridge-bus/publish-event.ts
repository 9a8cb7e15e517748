import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { EventBridgeClient, PutEventsRequestEntry, PutEventsResultEntry } from '@aws-sdk/client-eventbridge';
import { ChangeBusError } from './errors.ts';
import { backoffMs, sleep } from './sleep.ts';

export interface PublishRetry {
  /** Tries in all, the first included. */
  attempts: number;
  backoffMs: number;
  random: () => number;
}

// Entry errors that the same request will hit again; everything else is worth another try.
const PERMANENT = new Set(['MalformedDetail', 'InvalidArgument', 'ValidationException', 'AccessDeniedException', 'NotAuthorized']);

const BACKOFF_CAP_MS = 5_000;

/**
 * Puts one entry, retrying while EventBridge reports it as failed (PutEvents answers 200 with a
 * per-entry error). Errors of the call itself were already retried by the SDK's own strategy.
 */
export async function putEntryWithRetry(client: EventBridgeClient, entry: PutEventsRequestEntry, retry: PublishRetry): Promise<void> {
  let failed: PutEventsResultEntry | undefined;
  let attempt = 0;
  while (attempt < retry.attempts) {
    attempt++;
    if (attempt > 1) await sleep(backoffMs(attempt - 1, retry.backoffMs, BACKOFF_CAP_MS, retry.random));
    let result;
    try {
      result = await client.send(new PutEventsCommand({ Entries: [entry] }));
    } catch (err) {
      throw new ChangeBusError(`PutEvents on ${entry.EventBusName} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    if (!result.FailedEntryCount) return;
    failed = result.Entries?.[0];
    if (failed?.ErrorCode && PERMANENT.has(failed.ErrorCode)) break;
  }
  const reason = failed ? `${failed.ErrorCode ?? 'unknown'}: ${failed.ErrorMessage ?? ''}` : 'no entry result';
  const tries = attempt === 1 ? '1 attempt' : `${attempt} attempts`;
  throw new ChangeBusError(`EventBridge refused the change event on ${entry.EventBusName} after ${tries} (${reason})`, { cause: failed });
}
