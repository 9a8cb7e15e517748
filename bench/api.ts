// API throughput and latency on the embedded store: apply of a 20-document YAML, GET of one resource.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { startLocal } from '../local/start-local.ts';
import { load, ms } from './stats.ts';

const KEY = 'bench-admin-key-0123456789abcdef';
const dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-bench-api-'));
const trellis = await startLocal({ dataDir: dir, host: '127.0.0.1', apiPort: 0, xdsPort: 0, bootstrapKey: KEY, logger: pino({ level: 'silent' }) });
const headers = { authorization: `Bearer ${KEY}` };

function applyYaml(round: number): string {
  return Array.from({ length: 20 }, (_, i) =>
    [
      'apiVersion: networking.istio.io/v1',
      'kind: VirtualService',
      `metadata: {name: svc-${i}, namespace: bench}`,
      'spec:',
      `  hosts: [svc-${i}.bench.svc.cluster.local]`,
      '  http:',
      '    - name: canary',
      '      route:',
      `        - destination: {host: svc-${i}.bench.svc.cluster.local, subset: v1}`,
      `          weight: ${round % 100}`,
      `        - destination: {host: svc-${i}.bench.svc.cluster.local, subset: v2}`,
      `          weight: ${100 - (round % 100)}`,
      '      timeout: 2s',
    ].join('\n'),
  ).join('\n---\n');
}

try {
  await fetch(`${trellis.apiUrl}/v1/meshes/bench`, { method: 'PUT', headers: { ...headers, 'content-type': 'application/json' }, body: '{}' });
  const apply = await load(
    async (i) => {
      const res = await fetch(`${trellis.apiUrl}/v1/meshes/bench/apply`, { method: 'POST', headers: { ...headers, 'content-type': 'application/yaml' }, body: applyYaml(i) });
      if (res.status !== 200) throw new Error(`apply: ${res.status} ${await res.text()}`);
    },
    { concurrency: 4, durationMs: 5000 },
  );
  console.log(`apply 20-document YAML: ${apply.rps.toFixed(0)} req/s, p50 ${ms(apply.p50)}, p99 ${ms(apply.p99)} (${apply.requests} requests, 4 concurrent)`);
  const get = await load(
    async () => {
      const res = await fetch(`${trellis.apiUrl}/v1/meshes/bench/resources/virtualservices/bench/svc-7`, { headers });
      if (res.status !== 200) throw new Error(`get: ${res.status}`);
      await res.arrayBuffer();
    },
    { concurrency: 8, durationMs: 5000 },
  );
  console.log(`GET one resource: ${get.rps.toFixed(0)} req/s, p50 ${ms(get.p50)}, p99 ${ms(get.p99)} (${get.requests} requests, 8 concurrent)`);
} finally {
  await trellis.close();
  rmSync(dir, { recursive: true, force: true });
}
