// `npm run bundle`: bundles every Lambda entry as the CDK app does (scripts/build.ts), prints each bundle's size and
// what takes the most of it (from esbuild's metafile), and times its module initialisation in a fresh node process
// (a cold start's import cost).
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LAMBDA_ENTRIES } from '../infra/lambda-bundling.ts';
import { REPO_ROOT } from '../infra/paths.ts';
import { buildLambda } from './build.ts';
import { largestInputs } from './bundle-inputs.ts';

const IMPORT_RUNS = 5;

// Runs in the child: imports the bundle once and reports how long that took and what it exports.
const MEASURE = `
const started = performance.now();
const mod = await import(process.argv[1]);
const ms = performance.now() - started;
console.log(JSON.stringify({ ms, handler: typeof mod.handler }));
`;

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

function timeImport(file: string): { ms: number; handler: string } {
  // No TRELLIS_* variables: an import that needed configuration would fail here.
  const env = { PATH: process.env.PATH ?? '', NODE_OPTIONS: '' };
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', MEASURE, pathToFileURL(file).href], { env, encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`importing ${file} failed:\n${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').at(-1) ?? '{}') as { ms: number; handler: string };
}

for (const name of Object.keys(LAMBDA_ENTRIES) as (keyof typeof LAMBDA_ENTRIES)[]) {
  const outfile = await buildLambda(name);
  console.log(`${name}: ${path.relative(REPO_ROOT, outfile)} ${kib(statSync(outfile).size)} (source map ${kib(statSync(`${outfile}.map`).size)})`);

  for (const { name: input, bytes } of largestInputs(outfile, 8)) console.log(`  ${kib(bytes).padStart(11)}  ${input}`);

  const runs = Array.from({ length: IMPORT_RUNS }, () => timeImport(outfile));
  if (runs.some((r) => r.handler !== 'function')) throw new Error(`${name}: the bundle does not export a handler function`);
  const sorted = runs.map((r) => r.ms).sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  console.log(`${name}: module initialisation ${median.toFixed(1)} ms median of ${IMPORT_RUNS} fresh node processes (min ${(sorted[0] ?? 0).toFixed(1)} ms, max ${(sorted.at(-1) ?? 0).toFixed(1)} ms)`);
}
