// Istio-shaped egress ServiceEntries (test/fixtures/istio/egress-samples.yaml) apply unchanged
// through `trellis apply --dry-run`; REDIRECT-mode sidecars are served all of them, local-mode
// sidecars are served the DNS ones and told why the others need REDIRECT interception.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NEEDS_ORIGINAL_DESTINATION } from '../../core/resources/index.ts';
import { parseDocuments } from '../../core/resources/documents.ts';
import { parseResource } from '../../core/resources/parse-resource.ts';
import { buildMeshIndex, translateSidecar } from '../../xds-server/translate/index.ts';
import type { ProxyDescriptor } from '../../xds-server/translate/proxy-descriptor.ts';
import { startTestTrellis, TEST_KEY, type TestTrellis } from '../support/local-trellis.ts';
import { ROOT } from '../support/tools.ts';

const SAMPLES = 'test/fixtures/istio/egress-samples.yaml';

let trellis: TestTrellis;
let home: string;

function trellisCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { PATH: process.env.PATH ?? '', HOME: home, TRELLIS_CONFIG: path.join(home, 'trellis.yaml'), TRELLIS_URL: trellis.apiUrl, TRELLIS_API_KEY: TEST_KEY, TRELLIS_MESH: 'egress', TRELLIS_NO_REBUILD: process.env.TRELLIS_NO_REBUILD ?? '' };
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(ROOT, 'bin/trellis.mjs'), ...args], { cwd: ROOT, env, timeout: 20_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

function translateSamples(interceptionMode: ProxyDescriptor['interceptionMode']) {
  const documents = parseDocuments(readFileSync(path.join(ROOT, SAMPLES), 'utf8'));
  if (!documents.ok) throw new Error(JSON.stringify(documents.errors));
  const resources = documents.value.map((d) => {
    const parsed = parseResource(d);
    if (!parsed.ok) throw new Error(`refused: ${JSON.stringify(parsed.errors)}`);
    return parsed.value;
  });
  const index = buildMeshIndex({ tenantId: 'default', mesh: 'egress', revision: 1, settings: { outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } }, workloads: [], resources });
  return translateSidecar(index, { kind: 'sidecar', namespace: 'default', serviceAccount: 'app', workload: 'app', labels: {}, inbound: undefined, ...(interceptionMode ? { interceptionMode } : {}) });
}

beforeAll(async () => {
  trellis = await startTestTrellis();
  home = mkdtempSync(path.join(os.tmpdir(), 'trellis-egress-samples-'));
  expect((await trellis.api('PUT', '/v1/meshes/egress', {})).status).toBe(201);
});

afterAll(async () => {
  await trellis?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('Istio-shaped egress samples', () => {
  it('apply unchanged through trellis apply --dry-run', async () => {
    const apply = await trellisCli(['apply', '--dry-run', '-f', SAMPLES]);
    expect(apply.code, apply.stderr + apply.stdout).toBe(0);
    for (const name of ['debian-mirrors', 'python-packages', 'git-hosting', 'payments-api', 'wiki-sites', 'cloud-apis', 'orders-db']) {
      expect(apply.stdout).toMatch(new RegExp(`^serviceentry\\S*/${name} created \\(dry run\\)$`, 'im'));
    }
    expect(apply.stdout).toMatch(/^destinationrule\S*\/payments-api created \(dry run\)$/im);
  });

  it('are served to a REDIRECT-mode sidecar without issues: ORIGINAL_DST passthrough, wildcard SNI, address blocks', () => {
    const result = translateSamples('REDIRECT');
    expect(result.issues).toEqual([]);
    const cluster = (name: string) => result.clusters.find((c) => c.name === name)?.resource;
    for (const name of ['outbound|443||api.payments.example.com', 'outbound|443||*.wiki.example.org', 'outbound|443||*.cloudapis.example.com', 'outbound|22||git.example.net']) {
      expect(cluster(name), name).toMatchObject({ type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED' });
    }
    expect(cluster('outbound|80||api.payments.example.com')).toMatchObject({ connect_timeout: { seconds: 3 }, circuit_breakers: { thresholds: [{ max_connections: { value: 20 } }] } });
    const ssh = result.listeners.find((l) => l.name === 'outbound|22|tcp')?.resource as { filter_chains: { filter_chain_match?: unknown }[] };
    expect(ssh.filter_chains.map((c) => c.filter_chain_match)).toEqual([{ prefix_ranges: [{ address_prefix: '192.0.2.0', prefix_len: { value: 24 } }] }]);
  });

  it('are served to a local-mode sidecar as far as it can, each of the rest reported with the reason', () => {
    const result = translateSamples(undefined);
    const reported = result.issues.filter((i) => i.message.includes(NEEDS_ORIGINAL_DESTINATION)).map((i) => i.resource);
    expect(new Set(reported)).toEqual(new Set(['ServiceEntry/default/git-hosting', 'ServiceEntry/default/payments-api', 'ServiceEntry/default/wiki-sites', 'ServiceEntry/default/cloud-apis', 'ServiceEntry/default/orders-db']));
    expect(result.issues.filter((i) => !i.message.includes(NEEDS_ORIGINAL_DESTINATION))).toEqual([]);
    expect(result.clusters.map((c) => c.name)).toEqual(expect.arrayContaining(['outbound|80||deb.debian.org', 'outbound|443||pypi.org', 'outbound|5432||orders-db.example.com']));
  });
});
