// Tests may use the shared contract suite; lint keeps production code in core/ away from test/.
import { fleetStatusContract } from '../../../../test/contracts/fleet-status-contract.ts';
import { InMemoryFleetStatus } from './in-memory-fleet-status.ts';

fleetStatusContract('in memory', async (now) => {
  const fleet = new InMemoryFleetStatus({ now });
  return { fleet, cleanup: () => fleet.close() };
});
