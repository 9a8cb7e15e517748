import { appendFile, readFile, stat, truncate, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openEmbeddedStore } from './embedded-store.ts';
import { CorruptJournalError } from './errors.ts';
import { encodeFrame } from './frame.ts';
import type { RecoveryEvent } from './journal.ts';
import { meshJournal, seed, service, tempDir } from './test-support.ts';

describe('embedded store recovery', () => {
  let dir: string;
  let remove: () => Promise<void>;
  beforeEach(async () => ({ dir, remove } = await tempDir()));
  afterEach(() => remove());

  it.each([
    ['a few header bytes', (frame: Buffer) => frame.subarray(0, 7)],
    ['a header and half a body', (frame: Buffer) => frame.subarray(0, frame.length - 20)],
    ['a whole frame with a bad checksum', (frame: Buffer) => Buffer.concat([frame.subarray(0, frame.length - 1), Buffer.from('#')])],
  ])('cuts off a torn tail (%s) and carries on from the last whole revision', async (_case, tear) => {
    const store = await openEmbeddedStore({ dir });
    await seed(store, 3);
    await store.close();
    const file = await meshJournal(dir);
    const whole = (await stat(file)).size;
    const next = { type: 'commit', revision: 4, author: 'x', createdAt: new Date().toISOString(), changes: [{ kind: 'VirtualService', namespace: 'web', name: 's4', action: 'created', resource: service('s4') }] };
    await appendFile(file, tear(encodeFrame(next)));
    const events: RecoveryEvent[] = [];

    const reopened = await openEmbeddedStore({ dir, onRecovery: (e) => events.push(e) });

    expect(events).toEqual([{ file, offset: whole, truncatedBytes: expect.any(Number) }]);
    expect((await stat(file)).size).toBe(whole);
    expect((await reopened.getMesh('t', 'm'))!.revision).toBe(3);
    expect(await reopened.getResource('t', 'm', { kind: 'VirtualService', namespace: 'web', name: 's4' })).toBeUndefined();
    expect((await reopened.commit({ tenantId: 't', mesh: 'm', author: 'test', changes: [{ op: 'put', resource: service('s4') }] })).revision).toBe(4);
    await reopened.close();
    const again = await openEmbeddedStore({ dir, onRecovery: (e) => events.push(e) });
    expect(events).toHaveLength(1);
    expect((await again.getRevision('t', 'm', 4))!.changes).toHaveLength(1);
    await again.close();
  });

  it('recovers a meta journal torn inside its file header', async () => {
    const store = await openEmbeddedStore({ dir });
    await store.close();
    await truncate(path.join(dir, 'meta.journal'), 3);

    const reopened = await openEmbeddedStore({ dir });

    expect((await reopened.listTenants()).items).toEqual([]);
    await reopened.createTenant({ id: 't' });
    await reopened.close();
    const again = await openEmbeddedStore({ dir });
    expect(await again.getTenant('t')).toBeDefined();
    await again.close();
  });

  it('refuses to open, and changes nothing, when a record in the middle is corrupt', async () => {
    const store = await openEmbeddedStore({ dir });
    await seed(store, 3);
    await store.close();
    const file = await meshJournal(dir);
    const bytes = await readFile(file);
    const at = bytes.indexOf('"s1"');
    bytes.write('"x1"', at);
    await writeFile(file, bytes);

    const opening = openEmbeddedStore({ dir });

    await expect(opening).rejects.toBeInstanceOf(CorruptJournalError);
    await expect(opening).rejects.toThrow(/corrupt at byte 8/);
    expect(await readFile(file)).toEqual(bytes);
    await expect(openEmbeddedStore({ dir })).rejects.toBeInstanceOf(CorruptJournalError);
  });

  it('refuses a file that is not a journal', async () => {
    const store = await openEmbeddedStore({ dir });
    await store.close();
    await writeFile(path.join(dir, 'meta.journal'), 'hello, world\n');

    await expect(openEmbeddedStore({ dir })).rejects.toBeInstanceOf(CorruptJournalError);
  });

  it('refuses a missing mesh journal rather than showing an empty mesh', async () => {
    const store = await openEmbeddedStore({ dir });
    await seed(store, 1);
    await store.close();
    await unlink(await meshJournal(dir));

    await expect(openEmbeddedStore({ dir })).rejects.toThrow(/journal of mesh m is missing/);
  });
});
