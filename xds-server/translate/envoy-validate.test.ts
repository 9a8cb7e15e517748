import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ENVOY_BIN } from '../../test/support/tools.ts';
import { bootstrapBytes } from './testing/bootstrap-bytes.ts';
import { runCase } from './testing/golden-case.ts';
import { staticResources } from './testing/static-resources.ts';

const TESTDATA = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata');

/** Runs `envoy --mode validate` over the bytes; returns Envoy's verdict and output. */
function envoyValidate(bytes: Uint8Array): { ok: boolean; output: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-translate-'));
  try {
    const file = path.join(dir, 'bootstrap.pb');
    writeFileSync(file, bytes);
    // SDS subscriptions need a node identity, as a sidecar's bootstrap gives them.
    const args = ['--mode', 'validate', '-c', file, '--log-level', 'error', '--use-dynamic-base-id', '--service-node', 'validate', '--service-cluster', 'validate'];
    const run = spawnSync(ENVOY_BIN, args, { encoding: 'utf8', timeout: 30_000 });
    return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const CASES = readdirSync(TESTDATA).sort();

describe('Envoy accepts the generated config', () => {
  it('rejects what it should: a route configuration with a domain twice', () => {
    const { listeners, clusters } = staticResources(runCase(path.join(TESTDATA, 'request-matching')));
    const hcm = (listeners[0]?.['filter_chains'] as { filters: { typed_config: { route_config: { virtual_hosts: unknown[] } } }[] }[])[0]!.filters[0]!.typed_config;
    hcm.route_config.virtual_hosts.push({ ...(hcm.route_config.virtual_hosts[0] as object), name: 'copy' });
    const verdict = envoyValidate(bootstrapBytes(listeners, clusters));
    expect(verdict.ok).toBe(false);
    expect(verdict.output).toContain('domain');
  });

  it('accepts every golden case (listeners with inline routes, EDS as STATIC, gRPC api_listeners as socket listeners)', () => {
    const failures: string[] = [];
    for (const name of CASES) {
      const { listeners, clusters, secrets } = staticResources(runCase(path.join(TESTDATA, name)));
      const verdict = envoyValidate(bootstrapBytes(listeners, clusters, secrets));
      if (!verdict.ok) failures.push(`${name}:\n${verdict.output}`);
    }
    expect(failures).toEqual([]);
    // One Envoy start per case (about 30): seconds each on a loaded machine.
  }, 180_000);
});
