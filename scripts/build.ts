// `npm run build`: bundles what users run into dist/ (ESM, Node 20, source maps): the CLI, the
// sidecar agent, the local server and the xds-server, plus the Lambda bundles in dist/lambda/.
// `build.ts apps [name...]` builds only the named apps (the bin/*.mjs rebuild and the images),
// leaving chunks of earlier builds that running processes may still load.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type BuildOptions } from 'esbuild';
import { ESM_REQUIRE_BANNER, LAMBDA_ENTRIES, NEEDS_ENVOY_PROTOS, NODE_TARGET } from '../infra/lambda-bundling.ts';
import { REPO_ROOT } from '../infra/paths.ts';
import { SETUP_BUNDLE } from '../sidecar/cli/workload-setup-child.ts';

/** What users run, by bundle name: `dist/<name>.mjs`. */
export const APP_ENTRIES = {
  trellis: 'cli/index.ts',
  'trellis-agent': 'sidecar/cli/main.ts',
  'trellis-cluster-agent': 'cluster-agent/main.ts',
  'trellis-server': 'local/main.ts',
  'xds-server': 'xds-server/main.ts',
} as const;

export type AppName = keyof typeof APP_ENTRIES;

/** Programs an app runs as its own short-lived children, bundled with it as `dist/<name>.mjs`. */
const CHILD_ENTRIES: Partial<Record<AppName, Record<string, string>>> = {
  'trellis-agent': { [SETUP_BUNDLE]: 'sidecar/cli/workload-setup-main.ts' },
};

const entriesOf = (name: AppName): [string, string][] => [[name, APP_ENTRIES[name]], ...Object.entries(CHILD_ENTRIES[name] ?? {})];

export const DIST = path.join(REPO_ROOT, 'dist');
/** What bin/ensure-built.mjs compares with the sources: when the build started and what it read. */
export const STAMP_FILE = path.join(DIST, 'build-stamp.json');
/** The Envoy .proto files, copied beside the bundles (core/envoy/proto-include-dirs.ts finds them there). */
export const PROTO_DIR = path.join(DIST, 'envoy-protos');
const PROTO_PACKAGE = '@grpc/grpc-js-xds';
const PROTO_SUBDIRS = ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'];
/** After a rebuild from bin/, chunks it no longer uses survive this long: a running process may still import them lazily. */
const STALE_CHUNK_MS = 60 * 60 * 1000;

const require = createRequire(import.meta.url);

/** Packages with a native addon cannot be bundled: they stay imports, resolved from node_modules. */
export function nativePackages(): string[] {
  const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  return Object.keys(pkg.dependencies ?? {}).filter((name) => existsSync(path.join(REPO_ROOT, 'node_modules', name, 'binding.gyp')));
}

// Packages resolve as Node resolves them (main before module): CommonJS dependencies then load in
// the order Node loads them, e.g. the Reflect polyfill before @peculiar/x509's decorators.
const common = (): BuildOptions => ({
  // Input paths in the metafile (and so in the stamp) are relative to the repository root, wherever the build runs from.
  absWorkingDir: REPO_ROOT,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: NODE_TARGET,
  banner: { js: ESM_REQUIRE_BANNER },
  sourcemap: true,
  sourcesContent: false,
  external: nativePackages(),
  logLevel: 'warning',
});

/** Writes by rename, so a process starting during a rebuild reads either the old file or the new one. */
function writeAtomically(file: string, contents: Uint8Array): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, contents);
  renameSync(tmp, file);
}

function copyProtos(): void {
  const root = path.dirname(require.resolve(`${PROTO_PACKAGE}/package.json`));
  const version = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
  const marker = path.join(PROTO_DIR, '.version');
  if (existsSync(marker) && readFileSync(marker, 'utf8') === version) return;
  const tmp = `${PROTO_DIR}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  for (const dir of PROTO_SUBDIRS) {
    cpSync(path.join(root, 'deps', dir), path.join(tmp, dir), { recursive: true, filter: (src) => statSync(src).isDirectory() || src.endsWith('.proto') });
  }
  writeFileSync(path.join(tmp, '.version'), version);
  rmSync(PROTO_DIR, { recursive: true, force: true });
  renameSync(tmp, PROTO_DIR);
}

/**
 * Bundles the apps into dist/ (shared code in hashed chunks) and stamps the build; chunks the
 * build does not use go once older than `keepUnusedChunksMs` (0 for a clean dist/, e.g. to pack).
 */
export async function buildApps(names: readonly AppName[] = Object.keys(APP_ENTRIES) as AppName[], keepUnusedChunksMs = STALE_CHUNK_MS): Promise<void> {
  const startedAt = Date.now();
  const bundle = (group: readonly AppName[], minify = false) =>
    build({
      ...common(),
      entryPoints: Object.fromEntries(group.flatMap(entriesOf).map(([name, source]) => [name, path.join(REPO_ROOT, source)])),
      outdir: DIST,
      outExtension: { '.js': '.mjs' },
      // Every output sits directly in dist/, so `import.meta.url` locates dist/ from any chunk.
      entryNames: '[name]',
      chunkNames: 'chunk-[hash]',
      splitting: true,
      metafile: true,
      write: false,
      minifyWhitespace: minify,
      minifySyntax: minify,
    });
  const others = names.filter((name) => name !== 'trellis-agent');
  const results = await Promise.all([
    ...(others.length > 0 ? [bundle(others)] : []),
    // One agent runs beside every workload and V8 keeps each module's source text in its heap: the
    // agent gets chunks of its own with whitespace and syntax minified (names kept for stack traces).
    ...(names.includes('trellis-agent') ? [bundle(['trellis-agent'], true)] : []),
  ]);
  copyProtos();
  const entries = new Set(names.flatMap(entriesOf).flatMap(([name]) => [`${name}.mjs`, `${name}.mjs.map`]));
  // Chunks first, entries last: an entry never points at a chunk not yet written.
  const files = results.flatMap((r) => r.outputFiles).sort((a, b) => Number(entries.has(path.basename(a.path))) - Number(entries.has(path.basename(b.path))));
  for (const file of files) writeAtomically(file.path, file.contents);
  pruneChunks(new Set(files.map((f) => path.basename(f.path))), keepUnusedChunksMs);
  const sources = [...new Set(results.flatMap((r) => Object.keys(r.metafile.inputs)))].filter((input) => !input.includes('node_modules/'));
  const stamp = { startedAt, apps: names, inputs: [...sources, 'package.json', 'package-lock.json', 'scripts/build.ts', 'infra/lambda-bundling.ts'] };
  writeAtomically(STAMP_FILE, Buffer.from(`${JSON.stringify(stamp, null, 1)}\n`));
}

function pruneChunks(current: Set<string>, keepMs: number): void {
  for (const name of readdirSync(DIST)) {
    if (!name.startsWith('chunk-') || current.has(name)) continue;
    const file = path.join(DIST, name);
    if (Date.now() - statSync(file).mtimeMs >= keepMs) rmSync(file, { force: true });
  }
}

/** Where buildLambda stamps a Lambda bundle: when its build started and the sources it read. */
export const lambdaStampFile = (name: keyof typeof LAMBDA_ENTRIES): string => path.join(DIST, 'lambda', name, 'build-stamp.json');

/** Bundles one Lambda entry as the CDK app does (minified, one file) and stamps it; returns the output path. */
export async function buildLambda(name: keyof typeof LAMBDA_ENTRIES): Promise<string> {
  const startedAt = Date.now();
  const outfile = path.join(DIST, 'lambda', name, 'index.mjs');
  const result = await build({ ...common(), entryPoints: [path.join(REPO_ROOT, LAMBDA_ENTRIES[name])], outfile, mainFields: ['module', 'main'], minify: true, metafile: true });
  const inputs = Object.keys(result.metafile.inputs).filter((input) => !input.includes('node_modules/'));
  if (NEEDS_ENVOY_PROTOS.includes(name)) {
    copyProtos();
    cpSync(PROTO_DIR, path.join(path.dirname(outfile), 'envoy-protos'), { recursive: true });
  }
  writeAtomically(lambdaStampFile(name), Buffer.from(`${JSON.stringify({ startedAt, inputs: [...inputs, 'package-lock.json', 'scripts/build.ts', 'infra/lambda-bundling.ts'] }, null, 1)}\n`));
  writeAtomically(`${outfile}.meta.json`, Buffer.from(JSON.stringify(result.metafile)));
  return outfile;
}

function parseApps(args: string[]): AppName[] {
  if (args.length === 0) return Object.keys(APP_ENTRIES) as AppName[];
  const unknown = args.filter((a) => !(a in APP_ENTRIES));
  if (unknown.length > 0) throw new Error(`unknown app ${unknown.join(', ')}; one of ${Object.keys(APP_ENTRIES).join(', ')}`);
  return args as AppName[];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [mode, ...rest] = process.argv.slice(2);
  if (mode === 'apps') {
    await buildApps(parseApps(rest));
  } else if (mode === undefined) {
    await buildApps(undefined, 0);
    for (const name of Object.keys(LAMBDA_ENTRIES) as (keyof typeof LAMBDA_ENTRIES)[]) await buildLambda(name);
  } else {
    throw new Error(`usage: build.ts [apps [${Object.keys(APP_ENTRIES).join('|')}...]]`);
  }
}
