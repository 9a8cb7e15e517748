import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ConfigStore } from '../../../store/config-store.ts';
// A test, not runtime code: it runs the shared contract suite, which lives with the other cross-store tests.
import { configStoreContract } from '../../../../test/contracts/config-store-contract.ts';
import { openEmbeddedStore } from './embedded-store.ts';

configStoreContract('embedded', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'trellis-store-'));
  const opened: ConfigStore[] = [await openEmbeddedStore({ dir })];
  return {
    store: opened[0]!,
    async reopen() {
      const store = await openEmbeddedStore({ dir });
      opened.push(store);
      return store;
    },
    async cleanup() {
      await Promise.all(opened.map((s) => s.close()));
      await rm(dir, { recursive: true, force: true });
    },
  };
});
