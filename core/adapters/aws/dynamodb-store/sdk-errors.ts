import { LimitExceededError, TrellisError } from '../../../errors.ts';

/** DynamoDB failed for a reason that is not the caller's: throttling, network, configuration. */
export class DynamoDbStoreError extends TrellisError {}

function nameOf(error: unknown): string {
  return typeof error === 'object' && error !== null && typeof (error as { name?: unknown }).name === 'string' ? (error as { name: string }).name : '';
}

/**
 * Converts an SDK error that no call site expected into ours, keeping it as `cause`.
 * Domain errors pass through unchanged.
 */
export function fromDynamoDbError(error: unknown, action: string): TrellisError {
  if (error instanceof TrellisError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  if (nameOf(error) === 'ValidationException' && /size|exceed/i.test(detail)) {
    return new LimitExceededError(`DynamoDB ${action}: ${detail}`, { cause: error });
  }
  return new DynamoDbStoreError(`DynamoDB ${action} failed: ${nameOf(error) || 'Error'}: ${detail}`, { cause: error });
}

/** Runs one SDK call and converts whatever it throws. */
export async function sdkCall<T>(action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw fromDynamoDbError(error, action);
  }
}

export interface CancellationReason {
  Code?: string;
  Item?: Record<string, { N?: string; S?: string }>;
}

/** The per-action reasons of a cancelled transaction, or undefined for any other error. */
export function cancellationReasons(error: unknown): CancellationReason[] | undefined {
  if (nameOf(error) !== 'TransactionCanceledException') return undefined;
  return (error as { CancellationReasons?: CancellationReason[] }).CancellationReasons ?? [];
}
