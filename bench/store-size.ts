// Bytes on disk and commit latency of the embedded store for 1,000 realistic resources.
// Run: npx tsx bench/store-size.ts
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { openEmbeddedStore } from '../core/adapters/embedded/store/index.ts';
import type { IstioResource } from '../core/resources/resource.ts';

const RESOURCES = 1000;
const BATCH = 20;

function virtualService(i: number): IstioResource {
  const host = `svc-${i}.team-${i % 12}.svc.cluster.local`;
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: `svc-${i}`, namespace: `team-${i % 12}`, labels: { app: `svc-${i}`, team: `team-${i % 12}` } },
    spec: {
      hosts: [host],
      http: [
        {
          name: 'canary',
          match: [{ headers: { 'x-canary': { exact: 'true' } }, uri: { prefix: '/api/v2/' } }],
          route: [{ destination: { host, subset: 'v2', port: { number: 8080 } }, weight: 100 }],
          timeout: '3s',
          retries: { attempts: 3, perTryTimeout: '1s', retryOn: '5xx,reset,connect-failure' },
        },
        {
          name: 'default',
          route: [
            { destination: { host, subset: 'v1', port: { number: 8080 } }, weight: 90 },
            { destination: { host, subset: 'v2', port: { number: 8080 } }, weight: 10 },
          ],
          timeout: '5s',
          headers: { request: { set: { 'x-mesh': 'trellis' } } },
        },
      ],
    },
  };
}

function destinationRule(i: number): IstioResource {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { name: `svc-${i}`, namespace: `team-${i % 12}`, labels: { app: `svc-${i}` } },
    spec: {
      host: `svc-${i}.team-${i % 12}.svc.cluster.local`,
      trafficPolicy: {
        tls: { mode: 'ISTIO_MUTUAL' },
        connectionPool: { tcp: { maxConnections: 100, connectTimeout: '2s' }, http: { http1MaxPendingRequests: 64, maxRequestsPerConnection: 10 } },
        outlierDetection: { consecutive5xxErrors: 5, interval: '10s', baseEjectionTime: '30s', maxEjectionPercent: 50 },
        loadBalancer: { simple: 'LEAST_REQUEST' },
      },
      subsets: [
        { name: 'v1', labels: { version: 'v1' } },
        { name: 'v2', labels: { version: 'v2' }, trafficPolicy: { loadBalancer: { simple: 'ROUND_ROBIN' } } },
      ],
    },
  };
}

function serviceEntry(i: number): IstioResource {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'ServiceEntry',
    metadata: { name: `ext-${i}`, namespace: `team-${i % 12}`, annotations: { owner: `team-${i % 12}@example.com` } },
    spec: {
      hosts: [`api-${i}.partner.example.com`, `api-${i}-backup.partner.example.com`],
      location: 'MESH_EXTERNAL',
      resolution: 'DNS',
      ports: [
        { number: 443, name: 'https', protocol: 'TLS' },
        { number: 80, name: 'http', protocol: 'HTTP' },
      ],
      endpoints: [
        { address: `api-${i}.eu-west-1.partner.example.com`, locality: 'eu-west-1/eu-west-1a', weight: 70 },
        { address: `api-${i}.eu-central-1.partner.example.com`, locality: 'eu-central-1/eu-central-1a', weight: 30 },
      ],
    },
  };
}

/** The labels and annotations real manifests carry (deploy tooling, ownership), which is most of what lifts them to ~1 KB. */
function withCommonMetadata(r: IstioResource, i: number): IstioResource {
  const labels = { ...r.metadata.labels, 'app.kubernetes.io/name': `svc-${i}`, 'app.kubernetes.io/part-of': `shop-team-${i % 12}`, 'app.kubernetes.io/managed-by': 'trellis-cli', environment: 'production' };
  const annotations = { ...r.metadata.annotations, 'trellis.dev/change-ticket': `CHG-${100000 + i}`, 'trellis.dev/description': `Traffic policy for svc-${i}, owned by team-${i % 12}; reviewed in the weekly mesh review.` };
  return { ...r, metadata: { ...r.metadata, labels, annotations } };
}

const makers = [virtualService, destinationRule, serviceEntry];

async function bytesUnder(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(path.join(entry.parentPath, entry.name))).size;
  }
  return total;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

const dir = await mkdtemp(path.join(tmpdir(), 'trellis-bench-'));
try {
  const store = await openEmbeddedStore({ dir });
  await store.createTenant({ id: 'bench' });
  await store.putMesh('bench', 'prod', {});
  const resources = Array.from({ length: RESOURCES }, (_, i) => withCommonMetadata(makers[i % makers.length]!(i), i));
  const jsonBytes = resources.reduce((sum, r) => sum + Buffer.byteLength(JSON.stringify(r)), 0);
  const latencies: number[] = [];
  for (let i = 0; i < RESOURCES; i += BATCH) {
    const started = performance.now();
    await store.commit({ tenantId: 'bench', mesh: 'prod', author: 'bench', changes: resources.slice(i, i + BATCH).map((resource) => ({ op: 'put', resource })) });
    latencies.push(performance.now() - started);
  }
  await store.close();
  const onDisk = await bytesUnder(dir);
  const reopenStarted = performance.now();
  const reopened = await openEmbeddedStore({ dir });
  const reopenMs = performance.now() - reopenStarted;
  const snapStarted = performance.now();
  const snapshot = await reopened.snapshot('bench', 'prod', 1);
  const pastSnapshotMs = performance.now() - snapStarted;
  await reopened.close();

  latencies.sort((a, b) => a - b);
  console.log(`resources: ${RESOURCES} (avg ${Math.round(jsonBytes / RESOURCES)} B of JSON each, ${jsonBytes} B in all), ${latencies.length} commits of ${BATCH}`);
  console.log(`bytes on disk: ${onDisk} (${(onDisk / jsonBytes).toFixed(2)}x the resources' JSON)`);
  console.log(`commit latency: p50 ${percentile(latencies, 50).toFixed(2)} ms, p99 ${percentile(latencies, 99).toFixed(2)} ms, max ${latencies.at(-1)!.toFixed(2)} ms`);
  console.log(`reopen (replay): ${reopenMs.toFixed(1)} ms; snapshot at revision 1 (${snapshot.resources.length} resources read from disk): ${pastSnapshotMs.toFixed(1)} ms`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
