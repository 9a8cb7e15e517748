// DestinationRule edit → in force on real Envoys: 20 edits of a connection-pool limit, timed from
// the API's answer until each sidecar (one delta, one SotW) has the new limit in its *active*
// cluster with nothing left warming, read from Envoy's /config_dump every 5 ms. A push that leaves
// the cluster waiting for its endpoints shows as Envoy's 15 s initial fetch timeout.
import { activeConfig } from '../test/support/config-dump.ts';
import { startTestTrellis } from '../test/support/local-trellis.ts';
import { startSidecar, type TestSidecar } from '../test/support/sidecar.ts';
import { startUpstream } from '../test/support/upstream.ts';
import { ms, percentile } from './stats.ts';

const EDITS = Number(process.env.DR_EDITS ?? 20);
const HOST = 'web.bench.svc.cluster.local';
const CLUSTER = `outbound|80||${HOST}`;

const trellis = await startTestTrellis();
const upstream = await startUpstream('web');
const sidecars: { protocol: string; sidecar: TestSidecar; samples: number[] }[] = [];
const rule = (maxConnections: number) => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'DestinationRule',
  metadata: { name: 'web', namespace: 'bench' },
  spec: { host: HOST, trafficPolicy: { connectionPool: { tcp: { maxConnections } }, outlierDetection: { consecutive5xxErrors: 5, interval: '10s', baseEjectionTime: '30s' } } },
});
const inForce = async (s: TestSidecar, maxConnections: number) => {
  const c = await activeConfig(s.envoy);
  return c.warmingClusters.length === 0 && JSON.stringify(c.clusters.get(CLUSTER)?.['circuit_breakers']).includes(`"max_connections":${maxConnections}`) && (c.hosts.get(CLUSTER)?.length ?? 0) === 1;
};
try {
  await trellis.api('PUT', '/v1/meshes/bench', {});
  const applied = await trellis.api('POST', '/v1/meshes/bench/apply', [
    { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 'web', namespace: 'bench' }, spec: { hosts: [HOST], location: 'MESH_INTERNAL', resolution: 'STATIC', ports: [{ number: 80, name: 'http', protocol: 'HTTP' }], endpoints: [{ address: '127.0.0.1', ports: { http: upstream.port } }] } },
    rule(1000),
  ]);
  if (applied.status !== 200) throw new Error(`apply failed: ${JSON.stringify(applied.json)}`);
  const xdsPort = Number(trellis.xdsAddress.split(':')[1]);
  for (const protocol of ['delta', 'sotw'] as const) {
    const sidecar = await startSidecar({ xdsPort, mesh: 'bench', namespace: 'bench', workload: `client-${protocol}`, protocol });
    sidecars.push({ protocol, sidecar, samples: [] });
  }
  for (const s of sidecars) while (!(await inForce(s.sidecar, 1000))) await new Promise((r) => setTimeout(r, 20));
  for (let i = 1; i <= EDITS; i++) {
    const limit = 1000 + i;
    const res = await trellis.api('PUT', '/v1/meshes/bench/resources/destinationrules/bench/web', rule(limit));
    if (res.status >= 300) throw new Error(`edit failed: ${JSON.stringify(res.json)}`);
    const started = performance.now();
    await Promise.all(
      sidecars.map(async (s) => {
        for (;;) {
          if (await inForce(s.sidecar, limit)) break;
          if (performance.now() - started > 30_000) throw new Error(`edit ${i} not in force on ${s.protocol} after 30 s`);
          await new Promise((r) => setTimeout(r, 5));
        }
        s.samples.push(performance.now() - started);
      }),
    );
  }
  for (const s of sidecars) {
    const timeouts = await s.sidecar.envoy.stat(`cluster.${CLUSTER}.init_fetch_timeout`);
    console.log(`${s.protocol}: DestinationRule edit → in force, ${EDITS} edits: p50 ${ms(percentile(s.samples, 50))}, p99 ${ms(percentile(s.samples, 99))}, max ${ms(Math.max(...s.samples))}; init_fetch_timeout ${timeouts ?? 0}`);
  }
} finally {
  for (const s of sidecars) await s.sidecar.envoy.stop().catch((err: unknown) => console.error(String(err)));
  await upstream.close();
  await trellis.close();
}
