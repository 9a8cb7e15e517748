import { spawn } from 'node:child_process';
import { appendFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEmbeddedStore } from '../../core/adapters/embedded/store/index.ts';
import { encodeFrame } from '../../core/adapters/embedded/store/frame.ts';
import type { RevisionRecord } from '../../core/store/config-store.ts';
import { MESH, TENANT, changesFor, expectedChanges, expectedSnapshot, specFor } from './crash-model.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const ROUNDS = 5;

/** Runs the commit loop and SIGKILLs it `runMs` after it is ready; returns the last acknowledged revision. */
function runAndKill(dir: string, runMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(HERE, 'commit-loop.ts'), dir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let timer: NodeJS.Timeout | undefined;
    const deadline = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (!timer && out.includes('ready\n')) timer = setTimeout(() => child.kill('SIGKILL'), runMs);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      clearTimeout(deadline);
      clearTimeout(timer);
      if (signal !== 'SIGKILL' || !timer) return reject(new Error(`commit loop ended by itself (${signal}): ${err}`));
      const acks = [...out.matchAll(/^ack (\d+)$/gm)].map((m) => Number(m[1]));
      resolve(acks.at(-1) ?? 0);
    });
  });
}

/**
 * SIGKILL cannot tear a record (each is one write call, which the kernel completes), but a
 * power cut can: this appends a cut-off copy of the next revision's record, as a lost write would leave.
 */
async function tearNextRecord(dir: string): Promise<void> {
  const store = await openEmbeddedStore({ dir });
  const n = (await store.getMesh(TENANT, MESH))!.revision + 1;
  await store.close();
  const [file] = await readdir(path.join(dir, 'meshes'));
  const frame = encodeFrame({ type: 'commit', revision: n, author: 'torn', createdAt: new Date().toISOString(), changes: changesFor(n) });
  await appendFile(path.join(dir, 'meshes', file!), frame.subarray(0, 1 + Math.floor(Math.random() * (frame.length - 1))));
}

async function allRevisions(store: Awaited<ReturnType<typeof openEmbeddedStore>>): Promise<RevisionRecord[]> {
  const out: RevisionRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listRevisions(TENANT, MESH, { limit: 1000, ...(cursor && { cursor }) });
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

describe('embedded store under SIGKILL', () => {
  let dir: string;
  beforeAll(async () => (dir = await mkdtemp(path.join(tmpdir(), 'trellis-crash-'))));
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it(`keeps every revision whole across ${ROUNDS} kills`, { timeout: 60_000 }, async () => {
    let previousHead = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      const acked = await runAndKill(dir, 100 + Math.floor(Math.random() * 700));

      if (round % 2 === 0) await tearNextRecord(dir);
      let recovered = 0;

      const store = await openEmbeddedStore({ dir, onRecovery: () => recovered++ });
      try {
        // A kill can also cut a write short at a page boundary (Linux stops large writes on a fatal signal).
        expect(recovered, `round ${round}: a torn record is cut off`).toBeGreaterThanOrEqual(round % 2 === 0 ? 1 : 0);
        expect(recovered).toBeLessThanOrEqual(1);
        const head = (await store.getMesh(TENANT, MESH))!.revision;
        expect(head, `round ${round}: every acknowledged commit survives`).toBeGreaterThanOrEqual(acked);
        expect(head, `round ${round}: the loop made progress`).toBeGreaterThan(previousHead);

        const revisions = await allRevisions(store);
        expect(revisions.map((r) => r.revision)).toEqual(Array.from({ length: head }, (_, i) => head - i));
        for (const r of revisions) expect(r.changes, `revision ${r.revision}`).toEqual(expectedChanges(r.revision));

        // Snapshots are checked at the newest revisions (where a torn write would show) and a sample of older ones.
        const sample = new Set<number>();
        for (let n = Math.max(1, head - 20); n <= head; n++) sample.add(n);
        for (let i = 0; i < 20; i++) sample.add(1 + Math.floor(Math.random() * head));
        for (const n of sample) {
          const snap = await store.snapshot(TENANT, MESH, n);
          const expected = expectedSnapshot(n);
          expect(snap.resources.map((r) => [r.kind, r.metadata.namespace, r.metadata.name, r.metadata.resourceVersion]), `snapshot ${n}`).toEqual(
            expected.map((e) => [e.key.kind, e.key.namespace, e.key.name, String(e.writtenAt)]),
          );
          for (const r of snap.resources) {
            expect(r.spec, `${r.kind}/${r.metadata.name} at ${n}`).toEqual(specFor(r.kind, r.metadata.name, Number(r.metadata.resourceVersion)));
            expect(r.metadata.labels).toEqual({ rev: r.metadata.resourceVersion });
          }
        }
        previousHead = head;
      } finally {
        await store.close();
      }
    }
  });
});
