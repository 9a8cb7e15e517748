import { TrellisError } from '../../../errors.ts';

/** DynamoDB failed for a reason that is not the caller's: throttling, network, permissions, configuration. */
export class DynamoDbLedgerError extends TrellisError {}

const nameOf = (error: unknown): string =>
  typeof error === 'object' && error !== null && typeof (error as { name?: unknown }).name === 'string' ? (error as { name: string }).name : 'Error';

/** Converts what an SDK call threw into a domain error, keeping the original as `cause`. */
export function fromDynamoDbError(error: unknown, action: string): TrellisError {
  if (error instanceof TrellisError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new DynamoDbLedgerError(`credential ledger: DynamoDB ${action} failed: ${nameOf(error)}: ${detail}`, { cause: error });
}

export const isConditionFailure = (error: unknown): boolean => nameOf(error) === 'ConditionalCheckFailedException';
