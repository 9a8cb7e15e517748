// Tests may use the shared contract suite; lint keeps production code in core/ away from test/.
import { workloadRegistryContract } from '../../../../test/contracts/workload-registry-contract.ts';
import { InMemoryWorkloadRegistry } from './in-memory-workload-registry.ts';

workloadRegistryContract('in memory', async (now) => {
  const registry = new InMemoryWorkloadRegistry({ now });
  return { registry, cleanup: () => registry.close() };
});
