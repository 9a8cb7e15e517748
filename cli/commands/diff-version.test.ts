import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pkg from '../../package.json' with { type: 'json' };
import { ADMIN_KEY, apiHarness, type ApiHarness } from '../../functions/testing/api-harness.ts';
import { ExitCode } from '../exit-codes.ts';
import { runCli } from '../main.ts';

const vs = (timeout: string) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: shop }
spec:
  hosts: [reviews]
  http:
    - timeout: ${timeout}
      route:
        - destination: { host: reviews }
`;

let api: ApiHarness;
let server: ServerType;
let url: string;
let dir: string;

/** One in-process `trellis` run against the served API. */
async function trellis(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io = {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    env: { TRELLIS_CONFIG: path.join(dir, 'no-config.yaml'), TRELLIS_URL: url, TRELLIS_API_KEY: ADMIN_KEY, TRELLIS_MESH: 'demo', NO_COLOR: '1', ...env },
  };
  const code = await runCli(args, io);
  return { code, out, err };
}

/** A loopback URL nothing listens on. */
async function closedUrl(): Promise<string> {
  const probe = serve({ fetch: () => new Response(), hostname: '127.0.0.1', port: 0 });
  await new Promise((resolve) => probe.once('listening', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return `http://127.0.0.1:${port}`;
}

beforeAll(async () => {
  api = await apiHarness();
  server = serve({ fetch: api.app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise((resolve) => server.once('listening', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-cli-'));
  writeFileSync(path.join(dir, 'vs-5s.yaml'), vs('5s'));
  writeFileSync(path.join(dir, 'vs-10s.yaml'), vs('10s'));
  expect((await api.call('PUT', '/v1/meshes/demo', { body: {} })).status).toBe(201);
  expect((await api.call('POST', '/v1/meshes/demo/apply', { yaml: vs('5s') })).status).toBe(200);
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await api.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('trellis diff exit status, as kubectl diff', () => {
  it('is 0 when the files match the mesh', async () => {
    const run = await trellis(['diff', '-f', path.join(dir, 'vs-5s.yaml')]);

    expect(run.code, run.err).toBe(ExitCode.Ok);
    expect(run.out).toMatch(/^no changes/);
  });

  it('is 1 when they differ, with the diff on stdout and no error on stderr', async () => {
    const run = await trellis(['diff', '-f', path.join(dir, 'vs-10s.yaml')]);

    expect(run.code).toBe(1);
    expect(run.out).toMatch(/^\+\s+timeout: 10s$/m);
    expect(run.err).not.toContain('error');
    expect((await trellis(['diff', '-f', path.join(dir, 'vs-10s.yaml'), '-o', 'json'])).code).toBe(1);
  });

  it('is above 1 when the diff fails: 9 for an unreachable server, the usual codes otherwise', async () => {
    const unreachable = await trellis(['diff', '-f', path.join(dir, 'vs-10s.yaml')], { TRELLIS_URL: await closedUrl() });
    expect(unreachable.code).toBe(ExitCode.DiffFailed);
    expect(unreachable.err).toContain('cannot reach');

    expect((await trellis(['diff', '-f', path.join(dir, 'vs-10s.yaml'), '-m', 'nope'])).code).toBe(ExitCode.NotFound);
    expect((await trellis(['diff', '-f', path.join(dir, 'missing.yaml')])).code).toBeGreaterThan(1);
    expect((await trellis(['diff', '--frobnicate'])).code).toBe(ExitCode.Usage);
  });
});

describe('trellis version', () => {
  it('prints the client and the server version', async () => {
    const run = await trellis(['version']);

    expect(run.code, run.err).toBe(0);
    expect(run.out).toBe(`Client: trellis ${pkg.version}\nServer: ${url} trellis ${pkg.version} (API v1)\n`);
  });

  it('needs no API key to ask the server', async () => {
    const run = await trellis(['version', '-o', 'json'], { TRELLIS_API_KEY: '' });

    expect(run.code, run.err).toBe(0);
    expect(JSON.parse(run.out)).toEqual({ client: { version: pkg.version }, server: { url, version: pkg.version, api: 'v1' } });
  });

  it('says clearly that the server cannot be reached, prints the client version and exits 1', async () => {
    const closed = await closedUrl();
    const run = await trellis(['version'], { TRELLIS_URL: closed });

    expect(run.code).toBe(1);
    expect(run.out).toBe(`Client: trellis ${pkg.version}\n`);
    expect(run.err).toContain(`error: cannot reach ${closed} (ECONNREFUSED)`);
    expect(run.err).toContain('trellis version --client');
    expect((await trellis(['version', '--client'], { TRELLIS_URL: closed })).code).toBe(0);
  });
});
