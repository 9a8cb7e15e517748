// Embedded CA issuance: certificates per second and p50/p99 latency over 1,000 pre-generated P-256 CSRs.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeCsr } from '../core/ca/testing/make-csr.ts';
import { openEmbeddedCa } from '../core/adapters/embedded/ca/index.ts';
import { ms, percentile } from './stats.ts';

const COUNT = Number(process.env.CA_BENCH_COUNT ?? 1000);
const CONCURRENCY = Number(process.env.CA_BENCH_CONCURRENCY ?? 1);
const SPIFFE_ID = 'spiffe://bench.default.trellis.local/ns/bench/sa/workload';

const dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-bench-ca-'));
try {
  const ca = await openEmbeddedCa({ dir: path.join(dir, 'ca') });
  // Key generation and CSR signing happen on the workload, so they stay outside the timed part.
  const csrs: string[] = [];
  for (let i = 0; i < COUNT; i++) csrs.push((await makeCsr()).pem);
  // Warm up JIT and the crypto provider on a few requests that are not counted.
  for (const csrPem of csrs.slice(0, 20)) await ca.issue({ csrPem, spiffeId: SPIFFE_ID, ttlSeconds: 3600 });

  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < csrs.length) {
        const csrPem = csrs[next++] as string;
        const t0 = performance.now();
        await ca.issue({ csrPem, spiffeId: SPIFFE_ID, ttlSeconds: 3600 });
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  console.log(`embedded CA, ${COUNT} P-256 CSRs, concurrency ${CONCURRENCY}, node ${process.version}`);
  console.log(`  ${(latencies.length / seconds).toFixed(0)} certificates/s   p50 ${ms(percentile(latencies, 50))}   p99 ${ms(percentile(latencies, 99))}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
