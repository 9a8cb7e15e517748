import { chmod, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openEmbeddedStore } from './embedded-store.ts';
import { seed, tempDir } from './test-support.ts';

const mode = async (file: string) => (await stat(file)).mode & 0o777;

describe('embedded store file modes', () => {
  let dir: string;
  let remove: () => Promise<void>;
  beforeEach(async () => ({ dir, remove } = await tempDir()));
  afterEach(() => remove());

  it('keeps the directory 0700 and every file 0600', async () => {
    await chmod(dir, 0o755);
    const store = await openEmbeddedStore({ dir });
    await seed(store, 1);

    expect(await mode(dir)).toBe(0o700);
    expect(await mode(path.join(dir, 'meshes'))).toBe(0o700);
    expect(await mode(path.join(dir, 'LOCK'))).toBe(0o600);
    expect(await mode(path.join(dir, 'meta.journal'))).toBe(0o600);
    for (const file of await readdir(path.join(dir, 'meshes'))) expect(await mode(path.join(dir, 'meshes', file))).toBe(0o600);
    await store.close();
  });

  it('frees a deleted mesh journal at once', async () => {
    const store = await openEmbeddedStore({ dir });
    await seed(store, 2);

    await store.deleteMesh('t', 'm');

    expect(await readdir(path.join(dir, 'meshes'))).toEqual([]);
    await store.close();
  });
});
