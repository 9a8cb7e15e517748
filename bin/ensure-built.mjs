// Finds the bundle a bin runs, rebuilding dist/ first when it is missing or older than its sources
// (a checkout right after `npm ci`, or after an edit). An installed package or image has no
// scripts/build.ts: its dist/ is what it runs.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(ROOT, 'dist');
const BUILD_SCRIPT = path.join(ROOT, 'scripts', 'build.ts');
const STAMP_FILE = path.join(DIST, 'build-stamp.json');
const LOCK_DIR = path.join(DIST, '.build-lock');
// A lock older than this was left by a build that died.
const LOCK_STALE_MS = 120_000;

function readStamp() {
  try {
    return JSON.parse(readFileSync(STAMP_FILE, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Why dist/ must be rebuilt for `app`, or undefined when it is current. */
export function staleReason(app) {
  const stamp = readStamp();
  if (!stamp) return 'dist/ has not been built';
  if (!stamp.apps.includes(app) || !existsSync(path.join(DIST, `${app}.mjs`))) return `dist/${app}.mjs has not been built`;
  for (const input of stamp.inputs) {
    let mtime;
    try {
      mtime = statSync(path.join(ROOT, input)).mtimeMs;
    } catch {
      return `${input} is gone`;
    }
    if (mtime > stamp.startedAt) return `${input} changed`;
  }
  return undefined;
}

function tryLock() {
  try {
    mkdirSync(LOCK_DIR);
    return true;
  } catch (err) {
    if (err.code !== 'EEXIST') throw err;
    const age = Date.now() - (statSync(LOCK_DIR, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
    if (age > LOCK_STALE_MS) rmSync(LOCK_DIR, { recursive: true, force: true });
    return false;
  }
}

/** Builds every app, one process at a time: concurrent starts wait for the build under way. */
function rebuild(app, reason) {
  mkdirSync(DIST, { recursive: true });
  while (!tryLock()) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
  }
  try {
    if (!staleReason(app)) return;
    process.stderr.write(`trellis: building dist/ (${reason})\n`);
    const build = spawnSync(process.execPath, ['--import', 'tsx', BUILD_SCRIPT, 'apps'], { cwd: ROOT, stdio: ['ignore', 2, 2] });
    if (build.status !== 0) throw new Error(`the build failed (exit ${build.status ?? build.signal}); run npm run build to see why`);
  } finally {
    rmSync(LOCK_DIR, { recursive: true, force: true });
  }
}

/**
 * The URL of `dist/<app>.mjs`, current with the sources when they are here. TRELLIS_NO_REBUILD=1
 * (the test setup sets it once it has built) keeps an existing build even if sources change meanwhile.
 */
export function builtEntry(app) {
  if (existsSync(BUILD_SCRIPT)) {
    const frozen = process.env.TRELLIS_NO_REBUILD === '1' && existsSync(path.join(DIST, `${app}.mjs`));
    const reason = frozen ? undefined : staleReason(app);
    if (reason) rebuild(app, reason);
  }
  return pathToFileURL(path.join(DIST, `${app}.mjs`)).href;
}
