// Child process of store-crash.test.ts: commits revision after revision until it is killed,
// printing `ack <n>` only once commit n has resolved (so the parent knows n is durable).
import { openEmbeddedStore } from '../../core/adapters/embedded/store/index.ts';
import { MESH, TENANT, changesFor } from './crash-model.ts';

const dir = process.argv[2];
if (!dir) throw new Error('usage: commit-loop.ts <store dir>');
const store = await openEmbeddedStore({ dir });
if (!(await store.getTenant(TENANT))) await store.createTenant({ id: TENANT });
if (!(await store.getMesh(TENANT, MESH))) await store.putMesh(TENANT, MESH, {});
process.stdout.write('ready\n');
for (;;) {
  const n = (await store.getMesh(TENANT, MESH))!.revision + 1;
  await store.commit({ tenantId: TENANT, mesh: MESH, author: 'crash-loop', message: `revision ${n}`, changes: changesFor(n), expectedRevision: n - 1 });
  process.stdout.write(`ack ${n}\n`);
}
