// `npm run bench [name...] [-- --flag ...]`: runs each benchmark script in its own process, in turn;
// arguments from the first `--flag` on are passed to every script named.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** name → script (and node flags); each prints its own figures. */
const BENCHES: Record<string, { script: string; args?: string[]; flags?: string[] }> = {
  api: { script: 'api.ts' },
  'store-size': { script: 'store-size.ts' },
  translate: { script: 'translate.ts' },
  fanout: { script: 'fanout.ts', flags: ['--expose-gc'] },
  'ca-issue': { script: 'ca-issue.ts' },
  'agent-start': { script: 'agent-start.ts' },
  'agent-load': { script: 'agent-load.ts' },
  startup: { script: 'startup.ts' },
  'certificate-api': { script: 'certificate-api.ts' },
  'dynamodb-commit': { script: 'dynamodb-commit.ts' },
  'eventbridge-delivery': { script: 'eventbridge-delivery.ts' },
  'sidecar-scope': { script: 'sidecar-scope.ts' },
  'dataplane-latency': { script: 'dataplane-latency.ts' },
  registration: { script: 'registration.ts' },
  'destination-rule-edit': { script: 'destination-rule-edit.ts' },
  'cluster-agent-scale': { script: 'cluster-agent-scale.ts' },
  'dashboard-queries': { script: 'dashboard-queries.ts' },
};

const args = process.argv.slice(2);
const firstFlag = args.findIndex((a) => a.startsWith('-'));
const wanted = firstFlag < 0 ? args : args.slice(0, firstFlag);
const passed = firstFlag < 0 ? [] : args.slice(firstFlag);
const unknown = wanted.filter((w) => !BENCHES[w]);
if (unknown.length) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; choose from ${Object.keys(BENCHES).join(', ')}`);
  process.exit(2);
}
let failed = 0;
for (const name of wanted.length ? wanted : Object.keys(BENCHES)) {
  const bench = BENCHES[name]!;
  console.log(`\n## ${name}`);
  const run = spawnSync(process.execPath, [...(bench.flags ?? []), '--import', 'tsx', path.join(here, bench.script), ...(bench.args ?? []), ...passed], { stdio: 'inherit' });
  if (run.status !== 0) {
    failed++;
    console.error(`${name} failed (exit ${run.status})`);
  }
}
process.exit(failed ? 1 : 0);
