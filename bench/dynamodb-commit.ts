// Commit latency of the DynamoDB ConfigStore against moto: p50/p99 for 1- and 20-resource commits.
// A relative figure only (moto is a Python emulator on loopback, not DynamoDB).
// Run: npx tsx bench/dynamodb-commit.ts
import { performance } from 'node:perf_hooks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbConfigStore, ensureTable } from '../core/adapters/aws/dynamodb-store/index.ts';
import type { IstioResource } from '../core/resources/resource.ts';
import { startMoto } from '../test/support/moto.ts';

const WARMUP = 3;
/** Commits per round; each round starts on a fresh table (see below). */
const ROUND = 20;
const ROUNDS = { 1: 10, 20: 3 } as const;

function virtualService(i: number, weight: number): IstioResource {
  const host = `svc-${i}.team-${i % 12}.svc.cluster.local`;
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: `svc-${i}`, namespace: `team-${i % 12}`, labels: { app: `svc-${i}` } },
    spec: {
      hosts: [host],
      http: [
        { name: 'canary', match: [{ headers: { 'x-canary': { exact: 'true' } } }], route: [{ destination: { host, subset: 'v2' }, weight: 100 }], timeout: '3s' },
        { name: 'default', route: [{ destination: { host, subset: 'v1' }, weight: 100 - weight }, { destination: { host, subset: 'v2' }, weight }] },
      ],
    },
  };
}

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const moto = await startMoto();
try {
  const client = new DynamoDBClient(moto.clientConfig);
  let requests = 0;
  client.middlewareStack.add((next) => (args) => (requests++, next(args)), { step: 'deserialize', name: 'countRequests' });
  for (const size of [1, 20] as const) {
    const latencies: number[] = [];
    let counted = 0;
    for (let round = 0; round < ROUNDS[size]; round++) {
      // moto deep-copies the whole table for every transaction, so its latency grows with the table;
      // a fresh table per round keeps the figure comparable between runs and scenarios.
      const tableName = `bench-commit-${size}-${round}`;
      await ensureTable(client, tableName);
      const store = new DynamoDbConfigStore({ client, tableName });
      await store.createTenant({ id: 'bench' });
      await store.putMesh('bench', 'prod', {});
      for (let n = 0; n < WARMUP + ROUND; n++) {
        // Each commit rewrites `size` resources with new content (a real change, never a no-op).
        const changes = Array.from({ length: size }, (_, i) => ({ op: 'put' as const, resource: virtualService((n * size + i) % 200, n % 100) }));
        const before = requests;
        const t0 = performance.now();
        await store.commit({ tenantId: 'bench', mesh: 'prod', author: 'bench', changes });
        if (n < WARMUP) continue;
        latencies.push(performance.now() - t0);
        counted += requests - before;
      }
    }
    const perCommit = (counted / latencies.length).toFixed(1);
    console.log(`${String(size).padStart(2)}-resource commit: n=${latencies.length}  p50 ${percentile(latencies, 50).toFixed(1)} ms  p99 ${percentile(latencies, 99).toFixed(1)} ms  (${perCommit} requests per commit)`);
  }
  client.destroy();
} finally {
  await moto.stop();
}
