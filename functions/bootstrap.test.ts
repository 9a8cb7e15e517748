import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openEmbeddedStore } from '../core/adapters/embedded/store/index.ts';
import { ensureBootstrap, InvalidBootstrapKeyError } from './bootstrap.ts';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

async function store() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-bootstrap-'));
  dirs.push(dir);
  return openEmbeddedStore({ dir });
}

describe('ensureBootstrap with TRELLIS_BOOTSTRAP_KEY', () => {
  it.each([
    ['shorter than the minimum', 'short-key', /is 9 characters; an API key is 20 to 200/],
    ['longer than the maximum', 'k'.repeat(201), /is 201 characters/],
    ['with a character no Authorization header can carry', 'a valid length but spaces', /only letters, digits/],
  ])('refuses a key %s before storing anything, saying why', async (_case, key, reason) => {
    const s = await store();
    const attempt = ensureBootstrap(s, { bootstrapKey: key });
    await expect(attempt).rejects.toThrow(InvalidBootstrapKeyError);
    await expect(ensureBootstrap(s, { bootstrapKey: key })).rejects.toThrow(reason);
    await expect(ensureBootstrap(s, { bootstrapKey: key })).rejects.toThrow(/^TRELLIS_BOOTSTRAP_KEY cannot be used/);
    expect(await s.getTenant('default')).toBeUndefined();
  });

  it('adopts a key of the minimum length', async () => {
    const s = await store();
    await expect(ensureBootstrap(s, { bootstrapKey: 'k'.repeat(20) })).resolves.toMatchObject({ tenantCreated: true });
    expect((await s.listApiKeys('default')).map((k) => k.role)).toEqual(['admin']);
  });
});
