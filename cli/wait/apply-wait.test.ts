import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { afterEach, describe, expect, it } from 'vitest';
import { InMemoryFleetStatus } from '../../core/adapters/embedded/fleet/index.ts';
import { FleetProxyStatus } from '../../core/fleet/index.ts';
import { apiHarness, ADMIN_KEY, type ApiHarness } from '../../functions/testing/api-harness.ts';
import type { CliIo } from '../command-context.ts';
import { runCli } from '../main.ts';

// `trellis apply --wait` as a user runs it, against the real API on loopback whose fleet store holds no proxy.
let api: ApiHarness | undefined;
let server: ServerType | undefined;
let dir: string | undefined;
afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  await api?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  [api, server, dir] = [undefined, undefined, undefined];
});

async function emptyMesh(): Promise<{ url: string; file: string }> {
  api = await apiHarness({ proxies: new FleetProxyStatus({ fleet: new InMemoryFleetStatus(), store: { getRevision: async () => undefined } }) });
  await api.call('PUT', '/v1/meshes/demo', { body: {} });
  const running = serve({ fetch: api.app.fetch, hostname: '127.0.0.1', port: 0 });
  server = running;
  await new Promise<void>((resolve, reject) => {
    running.once('listening', resolve);
    running.once('error', reject);
  });
  dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-apply-wait-'));
  const file = path.join(dir, 'dr.yaml');
  writeFileSync(file, 'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: cart, namespace: shop}\nspec: {host: cart}\n');
  return { url: `http://127.0.0.1:${(running.address() as AddressInfo).port}`, file };
}

function io(url: string): CliIo & { text: () => { out: string; err: string } } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    env: { TRELLIS_CONFIG: '/nonexistent/trellis-test/config.yaml', TRELLIS_URL: url, TRELLIS_API_KEY: ADMIN_KEY, TRELLIS_MESH: 'demo', NO_COLOR: '1' },
    text: () => ({ out, err }),
  };
}

describe('trellis apply --wait with no proxy connected', () => {
  it('exits 10 and says nothing could be observed, after storing the revision', async () => {
    const { url, file } = await emptyMesh();
    const run = io(url);

    const code = await runCli(['apply', '-f', file, '--wait', '--timeout', '1s'], run);

    expect(code).toBe(10);
    expect(run.text().out).toMatch(/created/);
    expect(run.text().err).toMatch(/error: no proxy is connected to mesh demo, so nothing could be observed: revision \d+ is stored/);
    expect(run.text().err).toMatch(/hint: .*--allow-empty/);
    expect(run.text().out + run.text().err).not.toMatch(/synced 0\/0/);
  });

  it('exits 0 with --allow-empty, saying there was nothing to wait for', async () => {
    const { url, file } = await emptyMesh();
    const run = io(url);

    const code = await runCli(['apply', '-f', file, '--wait', '--allow-empty'], run);

    expect(code).toBe(0);
    expect(run.text().out).toMatch(/no proxies connected to mesh demo; nothing to wait for \(--allow-empty\)/);
  });

  it('exits 10 for rollback --wait as well', async () => {
    const { url, file } = await emptyMesh();
    expect(await runCli(['apply', '-f', file], io(url))).toBe(0);
    const run = io(url);

    const code = await runCli(['rollback', '--to', '0', '--wait', '--timeout', '1s'], run);

    expect(code).toBe(10);
    expect(run.text().err).toMatch(/no proxy is connected to mesh demo/);
  });
});
