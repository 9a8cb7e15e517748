import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openEmbeddedStore } from './embedded-store.ts';
import { StoreLockedError } from './errors.ts';
import { tempDir } from './test-support.ts';

describe('embedded store directory lock', () => {
  let dir: string;
  let remove: () => Promise<void>;
  beforeEach(async () => ({ dir, remove } = await tempDir()));
  afterEach(() => remove());

  it('lets one store at a time open a directory', async () => {
    const first = await openEmbeddedStore({ dir });

    await expect(openEmbeddedStore({ dir })).rejects.toBeInstanceOf(StoreLockedError);
    await expect(openEmbeddedStore({ dir })).rejects.toThrow(String(process.pid));

    await first.close();
    const second = await openEmbeddedStore({ dir });
    await second.close();
  });

  it('takes over a lock left by a process that has exited', async () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    await writeFile(path.join(dir, 'LOCK'), JSON.stringify({ pid: dead, host: hostname() }));

    const store = await openEmbeddedStore({ dir });

    await store.close();
  });

  it('respects a lock held by a live process, or by another host', async () => {
    await writeFile(path.join(dir, 'LOCK'), JSON.stringify({ pid: process.ppid, host: hostname() }));
    await expect(openEmbeddedStore({ dir })).rejects.toBeInstanceOf(StoreLockedError);

    await writeFile(path.join(dir, 'LOCK'), JSON.stringify({ pid: 1, host: `not-${hostname()}` }));
    await expect(openEmbeddedStore({ dir })).rejects.toBeInstanceOf(StoreLockedError);
  });
});
