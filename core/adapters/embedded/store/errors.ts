import { ConflictError, TrellisError } from '../../../errors.ts';

/** A journal that cannot be trusted: a damaged record followed by valid ones, or an impossible sequence. */
export class CorruptJournalError extends TrellisError {
  constructor(
    readonly file: string,
    readonly offset: number,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`journal ${file} is corrupt at byte ${offset}: ${reason}; refusing to open (restore the file from a backup or remove it deliberately)`, options);
  }
}

/** Another live process holds the store directory. */
export class StoreLockedError extends ConflictError {
  constructor(
    readonly dir: string,
    readonly holderPid: number,
  ) {
    super(`store directory ${dir} is locked by process ${holderPid}`);
  }
}
