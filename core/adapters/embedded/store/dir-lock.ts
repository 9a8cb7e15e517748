import { constants } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import path from 'node:path';
import { StoreLockedError, type LockHolder } from './errors.ts';
import { FILE_MODE } from './journal.ts';

export const LOCK_FILE = 'LOCK';

// fs-ext is a CommonJS native addon without type declarations; only flock is used.
interface FsExt {
  flockSync(fd: number, flags: 'exnb' | 'un'): void;
}
const { flockSync } = createRequire(import.meta.url)('fs-ext') as FsExt;

/**
 * Takes the store directory for this process with an exclusive flock(2) on `LOCK`. The kernel drops
 * the lock when the holder's file descriptor closes — on exit, crash or `kill -9` — so a dead
 * holder never keeps the store locked, whatever its pid or host. The pid, host and start time
 * written into the file only describe the holder in error messages; they decide nothing.
 * The file is never removed: removing a locked file would let a second process lock a new one.
 */
export async function lockDirectory(dir: string): Promise<() => Promise<void>> {
  const file = path.join(dir, LOCK_FILE);
  const handle = await open(file, constants.O_RDWR | constants.O_CREAT, FILE_MODE);
  try {
    flockSync(handle.fd, 'exnb');
  } catch (error) {
    const holder = await readHolder(file);
    await handle.close();
    if (isWouldBlock(error)) throw new StoreLockedError(dir, holder);
    throw error;
  }
  const mine: LockHolder = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  await handle.truncate(0);
  await handle.write(`${JSON.stringify(mine)}\n`, 0);
  return async () => {
    await handle.truncate(0);
    await handle.close();
  };
}

function isWouldBlock(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'EAGAIN' || code === 'EWOULDBLOCK';
}

async function readHolder(file: string): Promise<LockHolder | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<LockHolder>;
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string') return { pid: parsed.pid, host: parsed.host, since: typeof parsed.since === 'string' ? parsed.since : undefined };
  } catch {
    // empty (the holder is between locking and writing) or unreadable: the lock still holds
  }
  return undefined;
}
