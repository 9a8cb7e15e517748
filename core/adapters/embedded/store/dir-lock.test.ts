import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openEmbeddedStore } from './embedded-store.ts';
import { StoreLockedError } from './errors.ts';
import { tempDir } from './test-support.ts';

const STORE_MODULE = fileURLToPath(new URL('./embedded-store.ts', import.meta.url));

/** A separate node process that opens the store in `dir`, says "open" and then waits forever. */
async function holdInChild(dir: string): Promise<ChildProcess> {
  const script = `const { openEmbeddedStore } = await import(${JSON.stringify(STORE_MODULE)});
await openEmbeddedStore({ dir: ${JSON.stringify(dir)} });
process.stdout.write('open\\n');
setInterval(() => {}, 60_000);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  expect(chunk.toString()).toBe('open\n');
  return child;
}

describe('embedded store directory lock', () => {
  let dir: string;
  let remove: () => Promise<void>;
  let child: ChildProcess | undefined;
  beforeEach(async () => ({ dir, remove } = await tempDir()));
  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    child = undefined;
    await remove();
  });

  it('lets one store at a time open a directory', async () => {
    const first = await openEmbeddedStore({ dir });

    await expect(openEmbeddedStore({ dir })).rejects.toBeInstanceOf(StoreLockedError);
    await expect(openEmbeddedStore({ dir })).rejects.toThrow(`process ${process.pid} on host ${hostname()}`);

    await first.close();
    const second = await openEmbeddedStore({ dir });
    await second.close();
  });

  it('refuses a directory another process holds, and takes it the moment that process is killed', async () => {
    child = await holdInChild(dir);

    const refused = openEmbeddedStore({ dir });
    await expect(refused).rejects.toBeInstanceOf(StoreLockedError);
    await expect(refused).rejects.toThrow(new RegExp(`in use by process ${child.pid} on host .+ since \\d{4}-.+stop that process first`));

    child.kill('SIGKILL');
    await once(child, 'exit');
    // The record now names a live pid on another host (a container restarted on the same volume
    // sharing a pid namespace): it is information only, so the store still opens at once.
    await writeFile(path.join(dir, 'LOCK'), JSON.stringify({ pid: process.pid, host: `not-${hostname()}`, since: '2020-01-01T00:00:00.000Z' }));
    const store = await openEmbeddedStore({ dir });

    expect(JSON.parse(await readFile(path.join(dir, 'LOCK'), 'utf8'))).toMatchObject({ pid: process.pid, host: hostname() });
    await store.close();
  });

  it('opens a directory whose lock record names an exited process or is not ours to read', async () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    await writeFile(path.join(dir, 'LOCK'), JSON.stringify({ pid: dead, host: hostname() }));
    const store = await openEmbeddedStore({ dir });
    await store.close();

    await writeFile(path.join(dir, 'LOCK'), 'not json');
    const again = await openEmbeddedStore({ dir });
    await again.close();
  });
});
