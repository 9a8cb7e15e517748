// The proxy image holds its bins (trellis-agent, trellis-cluster-agent) and dist/ and nothing else of the
// package (sidecar/Dockerfile): the agents must run from such a copy, with no node_modules and no sources.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocal, type LocalTrellis } from '../../local/start-local.ts';
import { freePort, waitFor } from '../support/ports.ts';
import { copyProxyImageLayout } from '../support/proxy-image.ts';
import { ENVOY_BIN } from '../support/tools.ts';

const KEY = 'proxy-image-admin-key-0123456789abcdef';
let dir: string;
let app: string;
let trellis: LocalTrellis;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-proxy-image-'));
  app = path.join(dir, 'app');
  copyProxyImageLayout(app);
  trellis = await startLocal({ dataDir: path.join(dir, 'data'), host: '127.0.0.1', apiPort: 0, xdsPort: 0, bootstrapKey: KEY, logger: pino({ level: 'silent' }), xdsMtls: true });
});

afterAll(async () => {
  await trellis?.close();
  rmSync(dir, { recursive: true, force: true });
});

const api = async (method: string, p: string, body?: unknown) =>
  fetch(`${trellis.apiUrl}${p}`, { method, headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });

describe('the agent bundle alone (the proxy image layout)', () => {
  it('prints a bootstrap', () => {
    const run = spawnSync(process.execPath, [path.join(app, 'bin/trellis-agent.mjs'), 'bootstrap', '--mesh', 'demo', '--namespace', 'shop', '--service-account', 'web', '--workload', 'web', '--address', '127.0.0.1', '--port', '8000'], { cwd: dir, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('TRELLIS_MESH: demo');
  });

  it("runs the cluster agent's entry point, as the install Deployment's `trellis-cluster-agent` command does", () => {
    const env = { PATH: process.env.PATH ?? '' };
    const help = spawnSync(process.execPath, [path.join(app, 'bin/trellis-cluster-agent.mjs'), '--help'], { cwd: dir, encoding: 'utf8', env });
    expect(help.stderr).toBe('');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--max-writes-per-second');
    // Outside a pod, with no API server named, it says so instead of starting blind.
    const args = ['--server', trellis.apiUrl, '--mesh', 'demo', '--cluster', 'prod'];
    const outside = spawnSync(process.execPath, [path.join(app, 'bin/trellis-cluster-agent.mjs'), ...args], { cwd: dir, encoding: 'utf8', env, timeout: 20_000 });
    expect(outside.status).not.toBe(0);
    expect(outside.stderr).toContain('--kube-url is needed outside a pod');
  });

  it('gets a certificate, serves it to Envoy over SDS and reports ready, then drains on SIGTERM', async () => {
    // GIVEN a mesh and a join token
    expect((await api('PUT', '/v1/meshes/demo', {})).status).toBeLessThan(300);
    const { token } = (await (await api('POST', '/v1/meshes/demo/join-tokens', { namespace: 'shop', serviceAccount: 'web' })).json()) as { token: string };
    const [adminPort, readyPort, outboundPort] = [await freePort(), await freePort(), await freePort()];
    // WHEN the copied agent runs Envoy with mTLS to xDS
    const agent = spawn(process.execPath, [
      path.join(app, 'bin/trellis-agent.mjs'), 'run', '--api', trellis.apiUrl, '--join-token', token, '--workload', 'web', '--address', '127.0.0.1',
      '--xds', trellis.xdsAddress, '--xds-mtls', '--work-dir', path.join(dir, 'work'), '--envoy-path', ENVOY_BIN,
      '--envoy-arg', '--log-level', '--envoy-arg', 'error', '--envoy-arg', '--concurrency', '--envoy-arg', '1',
      '--admin-port', String(adminPort), '--ready-port', String(readyPort), '--outbound-port', String(outboundPort), '--drain-seconds', '1',
    ], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '', TRELLIS_LOG_LEVEL: 'warn' } });
    let output = '';
    agent.stdout.on('data', (b: Buffer) => (output += b.toString()));
    agent.stderr.on('data', (b: Buffer) => (output += b.toString()));
    const exited = new Promise<number | null>((resolve) => agent.once('exit', resolve));
    try {
      // THEN /ready answers 200: certificate issued, SDS served from the copied .proto files, Envoy live
      await waitFor(async () => {
        if (agent.exitCode !== null) throw new Error(`the agent exited ${agent.exitCode}:\n${output}`);
        return (await fetch(`http://127.0.0.1:${readyPort}/ready`)).status === 200;
      }, 'the copied agent ready', 30_000, 50);
      // The workload certificate reached Envoy over SDS, which the agent codes with the copied .proto files.
      await waitFor(async () => (await (await fetch(`http://127.0.0.1:${adminPort}/certs`)).text()).includes('spiffe://'), "Envoy's SDS certificate", 10_000, 50);
      const wait = spawnSync(process.execPath, [path.join(app, 'bin/trellis-agent.mjs'), 'wait-ready', '--port', String(readyPort), '--timeout-seconds', '5'], { cwd: dir });
      expect(wait.status).toBe(0);
    } finally {
      agent.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
