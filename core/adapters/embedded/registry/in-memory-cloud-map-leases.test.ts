import { cloudMapLeasesContract } from '../../../../test/contracts/cloud-map-leases-contract.ts';
import { InMemoryCloudMapLeases } from './in-memory-cloud-map-leases.ts';

cloudMapLeasesContract('in memory', (now) => new InMemoryCloudMapLeases({ now }));
