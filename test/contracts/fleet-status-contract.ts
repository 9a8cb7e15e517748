import { afterEach, beforeEach, describe } from 'vitest';
import type { FleetStatusStore } from '../../core/fleet/fleet-status.ts';
import { expiryContract } from './fleet-status/expiry.ts';
import { manualClock, type Harness } from './fleet-status/fixtures.ts';
import { inputContract } from './fleet-status/input.ts';
import { removalContract } from './fleet-status/removal.ts';
import { writeContract } from './fleet-status/writes.ts';

/** What an implementation hands the suite for one test: a store reading the suite's clock. */
export interface FleetStatusHarness {
  fleet: FleetStatusStore;
  /** Closes the store and whatever the harness opened for it. */
  cleanup(): Promise<void>;
}

/**
 * The FleetStatusStore contract: every method, the expiry rule and the input rules of
 * `core/fleet/fleet-status.ts`. Tenant ids are unique per test, so an implementation may share
 * backing data between tests (e.g. one DynamoDB table).
 */
export function fleetStatusContract(name: string, makeStore: (now: () => Date) => Promise<FleetStatusHarness>): void {
  describe(`FleetStatusStore contract: ${name}`, () => {
    let harness: FleetStatusHarness | undefined;
    let clock = manualClock();
    const h: Harness = {
      get fleet() {
        if (!harness) throw new Error('no store: beforeEach did not run');
        return harness.fleet;
      },
      now: () => clock.now(),
      advance: (ms) => clock.advance(ms),
    };

    beforeEach(async () => {
      clock = manualClock();
      harness = await makeStore(() => clock.now());
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
