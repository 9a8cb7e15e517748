import { stat } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LimitExceededError } from '../../../errors.ts';
import { Journal } from './journal.ts';
import { tempDir } from './test-support.ts';

describe('journal', () => {
  let dir: string;
  let remove: () => Promise<void>;
  beforeEach(async () => ({ dir, remove } = await tempDir()));
  afterEach(() => remove());

  it('reads back what it appended, at the offsets it reported, after reopening', async () => {
    const file = path.join(dir, 'j.journal');
    const journal = await Journal.create(file);
    const first = await journal.append({ n: 1 });
    const second = await journal.append({ n: 2, text: 'é'.repeat(100) });
    await journal.close();

    const { journal: again, records } = await Journal.open(file);

    expect(records).toEqual([
      { ...first, payload: { n: 1 } },
      { ...second, payload: { n: 2, text: 'é'.repeat(100) } },
    ]);
    expect(await again.read(second)).toEqual({ n: 2, text: 'é'.repeat(100) });
    await again.close();
  });

  it('refuses a record over the size limit without writing anything', async () => {
    const file = path.join(dir, 'j.journal');
    const journal = await Journal.create(file);
    const before = (await stat(file)).size;

    await expect(journal.append({ big: 'x'.repeat(2000) }, 1000)).rejects.toBeInstanceOf(LimitExceededError);

    expect((await stat(file)).size).toBe(before);
    await journal.close();
  });
});
