import { afterEach, beforeEach, describe } from 'vitest';
import type { ConfigStore } from '../../core/store/config-store.ts';
import { commitContract } from './config-store/commit.ts';
import { durabilityContract } from './config-store/durability.ts';
import { meshContract } from './config-store/meshes.ts';
import { readContract } from './config-store/reads.ts';
import { revisionContract } from './config-store/revisions.ts';
import { rollbackContract } from './config-store/rollback.ts';
import { tenantContract } from './config-store/tenants.ts';
import type { Harness } from './config-store/fixtures.ts';

/** What an implementation hands the suite for one test: a fresh store on fresh backing data. */
export interface ConfigStoreHarness {
  store: ConfigStore;
  /**
   * Opens a new store on the same backing data. The suite closes the previous store first;
   * the harness keeps track of every store it opened.
   */
  reopen(): Promise<ConfigStore>;
  /** Closes whatever is still open and removes the backing data. */
  cleanup(): Promise<void>;
}

/**
 * The ConfigStore contract: every method and error case of `core/store/config-store.ts`.
 * It knows nothing about where data lives; ids are unique per test, so an implementation may
 * share backing data between tests (e.g. one DynamoDB table) as long as `reopen` reaches it.
 */
export function configStoreContract(name: string, makeStore: () => Promise<ConfigStoreHarness>): void {
  describe(`ConfigStore contract: ${name}`, () => {
    let harness: ConfigStoreHarness | undefined;
    let current: ConfigStore | undefined;
    const h: Harness = {
      get store() {
        if (!current) throw new Error('no store: beforeEach did not run');
        return current;
      },
      async reopen() {
        await current?.close();
        current = await harness!.reopen();
        return current;
      },
    };

    beforeEach(async () => {
      harness = await makeStore();
      current = harness.store;
    });
    afterEach(async () => {
      await harness?.cleanup();
      harness = undefined;
      current = undefined;
    });

    tenantContract(h);
    meshContract(h);
    commitContract(h);
    readContract(h);
    revisionContract(h);
    rollbackContract(h);
    durabilityContract(h);
  });
}
