import { link, readFile, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { StoreLockedError } from './errors.ts';
import { FILE_MODE } from './journal.ts';

export const LOCK_FILE = 'LOCK';

interface LockContent {
  pid: number;
  host: string;
}

/**
 * Takes the store directory for this process: `LOCK` holds our pid, created exclusively.
 * A lock left by a process that no longer runs on this host is stale and taken over.
 * Limits: two processes taking over the same stale lock at the same instant can race, and a
 * lock from another host (shared file system) is never considered stale.
 */
export async function lockDirectory(dir: string): Promise<() => Promise<void>> {
  const file = path.join(dir, LOCK_FILE);
  const mine: LockContent = { pid: process.pid, host: hostname() };
  // Written aside and linked into place, so a LOCK file is never seen half-written.
  const draft = `${file}.${process.pid}.tmp`;
  await writeFile(draft, JSON.stringify(mine), { mode: FILE_MODE });
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await link(draft, file);
        return () => unlink(file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = await readHolder(file);
      if (holder && isAlive(holder)) throw new StoreLockedError(dir, holder.pid);
      await unlink(file).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
    }
    throw new StoreLockedError(dir, (await readHolder(file))?.pid ?? -1);
  } finally {
    await unlink(draft);
  }
}

async function readHolder(file: string): Promise<LockContent | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<LockContent>;
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string') return { pid: parsed.pid, host: parsed.host };
  } catch {
    // unreadable: not written by this code, so nothing live stands behind it
  }
  return undefined;
}

function isAlive(holder: LockContent): boolean {
  if (holder.host !== hostname()) return true;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
