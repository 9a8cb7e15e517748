import { afterEach, beforeEach, describe } from 'vitest';
import type { WorkloadRegistry } from '../../core/registry/workload-registry.ts';
import { expiryContract } from './workload-registry/expiry.ts';
import { manualClock, type Harness } from './workload-registry/fixtures.ts';
import { inputContract } from './workload-registry/input.ts';
import { removalContract } from './workload-registry/removal.ts';
import { writeContract } from './workload-registry/writes.ts';

/** What an implementation hands the suite for one test: a registry reading the suite's clock. */
export interface WorkloadRegistryHarness {
  registry: WorkloadRegistry;
  /** Closes the registry and whatever the harness opened for it. */
  cleanup(): Promise<void>;
}

/**
 * The WorkloadRegistry contract: every method, the expiry rule and the input rules of
 * `core/registry/workload-registry.ts`. Tenant ids are unique per test, so an implementation may
 * share backing data between tests (e.g. one DynamoDB table).
 */
export function workloadRegistryContract(name: string, makeRegistry: (now: () => Date) => Promise<WorkloadRegistryHarness>): void {
  describe(`WorkloadRegistry contract: ${name}`, () => {
    let harness: WorkloadRegistryHarness | undefined;
    let clock = manualClock();
    const h: Harness = {
      get registry() {
        if (!harness) throw new Error('no registry: beforeEach did not run');
        return harness.registry;
      },
      now: () => clock.now(),
      advance: (ms) => clock.advance(ms),
    };

    beforeEach(async () => {
      clock = manualClock();
      harness = await makeRegistry(() => clock.now());
    });
    afterEach(async () => {
      await harness?.cleanup();
      harness = undefined;
    });

    writeContract(h);
    expiryContract(h);
    removalContract(h);
    inputContract(h);
  });
}
