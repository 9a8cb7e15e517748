import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from '../../test/support/tools.ts';
import { envoyBootstrapYaml } from '../bootstrap/envoy-bootstrap.ts';
import { workloadSetup, type WorkloadSetupInput } from './workload-setup.ts';
import { workloadSetupInChild } from './workload-setup-child.ts';

const input: WorkloadSetupInput = {
  metadata: { TRELLIS_MESH: 'demo', TRELLIS_PROXY_KIND: 'sidecar', NAMESPACE: 'shop', SERVICE_ACCOUNT: 'web', WORKLOAD_NAME: 'web', LABELS: { app: 'web' }, INSTANCE_IP: '10.0.0.7', OUTBOUND_PORT: 15001 },
  bootstrap: { xdsAddress: { host: '127.0.0.1', port: 15010 }, adminPort: 15000, protocol: 'delta', sdsSocketPath: '/run/trellis/sds.sock', envoyStats: 'mesh' },
};

describe('workload setup (metadata check and Envoy bootstrap, before the agent starts)', () => {
  it('gives the metadata with its defaults and the bootstrap rendered from it', () => {
    const setup = workloadSetup(input);

    expect(setup.ok).toBe(true);
    if (!setup.ok) return;
    expect(setup.metadata).toMatchObject({ TRELLIS_TENANT: 'default', TRELLIS_MESH: 'demo', WORKLOAD_NAME: 'web', LABELS: { app: 'web' } });
    expect(setup.bootstrapYaml).toBe(envoyBootstrapYaml({ ...input.bootstrap, metadata: setup.metadata }));
  });

  it('names every bad field', () => {
    const setup = workloadSetup({ ...input, metadata: { ...input.metadata, NAMESPACE: 'Shop_1', INSTANCE_IP: 'not-an-ip', OUTBOUND_PORT: 70000 } });

    expect(setup.ok).toBe(false);
    if (setup.ok) return;
    expect(setup.problems.map((p) => p.trim().split(':')[0])).toEqual(['NAMESPACE', 'INSTANCE_IP', 'OUTBOUND_PORT']);
  });

  it('in a child process answers as in this one, for a good and a bad description', async () => {
    const bad = { ...input, metadata: { ...input.metadata, WORKLOAD_NAME: '' } };

    const [good, refused] = await Promise.all([workloadSetupInChild(input), workloadSetupInChild(bad)]);

    expect(good).toEqual(workloadSetup(input));
    expect(parse((good as { bootstrapYaml: string }).bootstrapYaml)).toMatchObject({ node: { metadata: { WORKLOAD_NAME: 'web' } } });
    expect(refused).toEqual(workloadSetup(bad));
    expect(refused.ok).toBe(false);
  });

  it('the child program fails with its reason on input that is not JSON', () => {
    const main = path.join(path.dirname(fileURLToPath(import.meta.url)), 'workload-setup-main.ts');

    const run = spawnSync(process.execPath, ['--import', 'tsx', main], { input: '{"metadata":', encoding: 'utf8', timeout: 60_000 });

    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/SyntaxError|JSON/);
    expect(run.stdout).toBe('');
  });

  it('`trellis-agent run` (the built bundle) exits 2 naming the bad fields, before it serves or writes anything', () => {
    const workDir = path.join(ROOT, '.trellis-agent-never-created');

    const run = spawnSync(process.execPath, [path.join(ROOT, 'bin/trellis-agent.mjs'), 'run', '--join-token', 'a.e30.b', '--mesh', 'demo', '--namespace', 'shop', '--workload', 'Not_A_Label', '--address', '10.0.0.300', '--work-dir', workDir], { encoding: 'utf8', timeout: 120_000 });

    expect(run.status).toBe(2);
    expect(run.stderr).toContain('error: invalid workload description:\n  WORKLOAD_NAME: ');
    expect(run.stderr).toContain('\n  INSTANCE_IP: ');
    expect(existsSync(workDir)).toBe(false);
  });
});
