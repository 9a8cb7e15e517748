// Workload registration: how long from a sidecar's xDS stream being admitted to its endpoint being
// in force on another sidecar (a real Envoy's /clusters), over REGISTRATION_CONNECTS connects of
// real Envoys, and how many registry writes and config revisions each connect and disconnect costs.
import { InMemoryWorkloadRegistry } from '../core/adapters/embedded/registry/index.ts';
import type { RegisteredWorkload, WorkloadRegistry } from '../core/registry/index.ts';
import { activeConfig } from '../test/support/config-dump.ts';
import { startTestTrellis } from '../test/support/local-trellis.ts';
import { waitFor } from '../test/support/ports.ts';
import { startSidecar, type TestSidecar } from '../test/support/sidecar.ts';
import type { StreamInfo } from '../xds-server/server/index.ts';
import { ms, percentile } from './stats.ts';

const CONNECTS = Number(process.env.REGISTRATION_CONNECTS ?? 20);
const CLUSTER = 'outbound|80||web.bench.svc.cluster.local';

const writes = { puts: 0, entries: 0, removes: 0 };
const inner = new InMemoryWorkloadRegistry();
const registry: WorkloadRegistry = {
  put: (entries: readonly RegisteredWorkload[]) => ((writes.puts++, (writes.entries += entries.length)), inner.put(entries)),
  remove: (tenantId, mesh, ids, replica) => (writes.removes++, inner.remove(tenantId, mesh, ids, replica)),
  list: (tenantId, mesh) => inner.list(tenantId, mesh),
  removeMesh: (tenantId, mesh) => inner.removeMesh(tenantId, mesh),
  close: () => inner.close(),
};
const admitted = new Map<string, number>();
const trellis = await startTestTrellis({ xds: { registry, registrationGraceMs: 200, observe: { onConnect: (e: StreamInfo) => void admitted.set(e.proxyId, performance.now()) } } });
const xdsPort = Number(trellis.xdsAddress.split(':')[1]);
const sidecars: TestSidecar[] = [];
try {
  await trellis.api('PUT', '/v1/meshes/bench', {});
  const applied = await trellis.api('POST', '/v1/meshes/bench/apply', [
    { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 'web', namespace: 'bench' }, spec: { hosts: ['web.bench.svc.cluster.local'], location: 'MESH_INTERNAL', resolution: 'STATIC', ports: [{ number: 80, name: 'http', protocol: 'HTTP' }], workloadSelector: { labels: { app: 'web' } } } },
  ]);
  if (applied.status !== 200) throw new Error(`apply failed: ${JSON.stringify(applied.json)}`);
  const revisionsBefore = ((await trellis.api('GET', '/v1/meshes/bench/revisions')).json as { items: unknown[] }).items.length;
  const client = await startSidecar({ xdsPort, mesh: 'bench', namespace: 'bench', workload: 'client', labels: { app: 'client' } });
  sidecars.push(client);
  await waitFor(async () => (await activeConfig(client.envoy)).clusters.has(CLUSTER), 'client has the web cluster', 20_000, 50);

  const samples: number[] = [];
  for (let i = 0; i < CONNECTS; i++) {
    const before = { ...writes };
    const web = await startSidecar({ xdsPort, mesh: 'bench', namespace: 'bench', workload: `web-${i}`, labels: { app: 'web' }, appPort: 20_000 + i });
    sidecars.push(web);
    await waitFor(async () => ((await activeConfig(client.envoy)).hosts.get(CLUSTER)?.length ?? 0) === i + 1, `endpoint ${i + 1} in force on the client`, 20_000, 5);
    const done = performance.now();
    const at = [...admitted.entries()].find(([id]) => id.includes(`web-${i}.`))?.[1];
    if (at === undefined) throw new Error(`no admitted stream for web-${i}`);
    samples.push(done - at);
    if (i === 0) console.log(`one connect: ${writes.puts - before.puts} registry write(s) (${writes.entries - before.entries} entries), ${writes.removes - before.removes} removes`);
  }
  const revisionsAfter = ((await trellis.api('GET', '/v1/meshes/bench/revisions')).json as { items: unknown[] }).items.length;
  const beforeStop = { ...writes };
  await sidecars.pop()!.envoy.stop();
  await waitFor(async () => ((await activeConfig(client.envoy)).hosts.get(CLUSTER)?.length ?? 0) === CONNECTS - 1, 'endpoint gone after the grace period', 20_000, 20);
  console.log(`one disconnect: ${writes.removes - beforeStop.removes} registry remove(s), ${writes.puts - beforeStop.puts} writes`);
  console.log(`config revisions written by ${CONNECTS} connects: ${revisionsAfter - revisionsBefore}`);
  console.log(`admitted → endpoint in force on another sidecar (${CONNECTS} connects, polled every 5 ms): p50 ${ms(percentile(samples, 50))}, p99 ${ms(percentile(samples, 99))}, max ${ms(Math.max(...samples))}`);
} finally {
  for (const s of sidecars) await s.envoy.stop().catch(() => undefined);
  await trellis.close();
}
