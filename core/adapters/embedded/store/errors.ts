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

/** Who holds a store directory, as recorded in its lock file: information for messages only. */
export interface LockHolder {
  pid: number;
  host: string;
  since?: string;
}

/** Another live process holds the store directory. */
export class StoreLockedError extends ConflictError {
  constructor(
    readonly dir: string,
    readonly holder: LockHolder | undefined,
  ) {
    const who = holder ? `process ${holder.pid} on host ${holder.host}${holder.since ? ` since ${holder.since}` : ''}` : 'another process';
    super(`store directory ${dir} is in use by ${who}; stop that process first (its lock is released as soon as it exits, even by kill -9)`);
  }
}
