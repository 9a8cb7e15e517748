import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../main.ts';

const FIXTURES = path.join(import.meta.dirname, '../../test/fixtures/appmesh');
const TEMPLATES = path.join(FIXTURES, 'templates');
const template = (name: string) => path.join(TEMPLATES, `${name}.cfn.yaml`);
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

async function run(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const io = { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) }, env: { NO_COLOR: '1', TRELLIS_CONFIG: '/nonexistent/config.yaml' } };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

describe('trellis import appmesh', () => {
  it('writes a YAML stream from a directory of describe-* output, and the report to a file', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'appmesh-cli-'));
    dirs.push(dir);
    const report = path.join(dir, 'report.json');
    const { code, stdout, stderr } = await run('import', 'appmesh', '-f', path.join(FIXTURES, 'describe'), '--report', report);
    expect(code).toBe(0);
    expect(stdout.startsWith('# App Mesh mesh "colorapp" → namespace colorapp.')).toBe(true);
    expect(parseAllDocuments(stdout).map((d) => (d.toJS() as { kind: string }).kind)).toContain('VirtualService');
    expect(stderr).toMatch(/mapped, \d+ approximated/);
    expect(JSON.parse(readFileSync(report, 'utf8')).entries.length).toBeGreaterThan(20);
  });

  it('puts Cloud Map sources, with --cloud-map-role-arn and --cloud-map-region, in the mesh settings it prints; refuses them for an input without Cloud Map', async () => {
    const { code, stdout, stderr } = await run('import', 'appmesh', '-f', path.join(FIXTURES, 'describe'), '--cloud-map-role-arn', 'arn:aws:iam::210987654321:role/trellis-cloud-map', '--cloud-map-region', 'eu-west-1');
    expect(code, stderr).toBe(0);
    const settings = JSON.parse(stdout.split('\n')[1]!.slice(4)) as { registrySources: { cloudMap: { roleArn: string; region: string; sources: { service: string }[] } } };
    expect(settings.registrySources.cloudMap).toMatchObject({ roleArn: 'arn:aws:iam::210987654321:role/trellis-cloud-map', region: 'eu-west-1', sources: [{ service: 'colorteller-red' }] });
    expect(stderr).toContain('Cloud Map service colorapp.local/colorteller-red → a registry source for namespace colorapp (mesh settings registrySources.cloudMap)');

    const none = await run('import', 'appmesh', '-f', template('gateway-routes'), '--cloud-map-role-arn', 'arn:aws:iam::210987654321:role/x');
    expect(none.code).toBe(2);
    expect(none.stdout).toBe('');
    expect(none.stderr).toContain('--cloud-map-role-arn: no virtual node of the input is discovered through Cloud Map');
  });

  it('writes a JSON list with -o json and one namespace with --namespace', async () => {
    const { code, stdout } = await run('-o', 'json', 'import', 'appmesh', '-f', path.join(FIXTURES, 'colorapp.cfn.yaml'), '--namespace', 'legacy');
    expect(code).toBe(0);
    const items = JSON.parse(stdout) as { metadata: { namespace: string } }[];
    expect(new Set(items.map((i) => i.metadata.namespace))).toEqual(new Set(['legacy']));
  });

  it('exits 3 with file:path errors for malformed input, and 7 with --strict when something has no equivalent', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'appmesh-cli-'));
    dirs.push(dir);
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ virtualRouter: { meshName: 'm', virtualRouterName: 'r', spec: { listeners: [{ portMapping: { port: 0, protocol: 'http' } }] } } }));
    const invalid = await run('import', 'appmesh', '-f', bad);
    expect(invalid.code).toBe(3);
    expect(invalid.stderr).toContain(`${bad}:virtualRouter.spec.listeners[0].portMapping.port`);
    const strict = await run('import', 'appmesh', '-f', path.join(FIXTURES, 'describe'), '--strict');
    expect(strict.code).toBe(7);
  });

  it('exits 8 with nothing on stdout when a resource could not be converted, and names each with its reason', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'appmesh-cli-'));
    dirs.push(dir);
    const report = path.join(dir, 'report.txt');
    const { code, stdout, stderr } = await run('import', 'appmesh', '-f', template('partial'), '--report', report);
    expect(code).toBe(8);
    expect(stdout).toBe('');
    expect(stderr).toContain('error: 2 App Mesh resources could not be converted (5 of 7 App Mesh resources converted, 2 not converted)');
    expect(stderr).toContain('Route/legacy/billing-router/by-account-range: header x-account: a range match [1000, 2000) has no Istio form');
    expect(stderr).toContain('VirtualRouter/legacy/orphan-router: no virtual service in the input has this router as its provider');
    expect(stderr).toContain('--allow-partial writes what did convert');
    // The report is written all the same, with the resource outcomes first.
    expect(readFileSync(report, 'utf8').split('\n')[0]).toBe('5 of 7 App Mesh resources converted, 2 not converted');
  });

  it('writes what converted and exits 0 with --allow-partial, still listing what was not converted', async () => {
    const { code, stdout, stderr } = await run('import', 'appmesh', '-f', template('partial'), '--allow-partial');
    expect(code).toBe(0);
    expect(parseAllDocuments(stdout).map((d) => (d.toJS() as { kind: string }).kind)).toContain('VirtualService');
    expect(stderr).toContain('not converted (--allow-partial): Route/legacy/billing-router/by-account-range');
  });

  it('exits 8 when nothing converts, even with --allow-partial', async () => {
    for (const extra of [[], ['--allow-partial']]) {
      const { code, stdout, stderr } = await run('import', 'appmesh', '-f', template('mesh-only'), ...extra);
      expect(code).toBe(8);
      expect(stdout).toBe('');
      expect(stderr).toContain('error: converted 0 resources: nothing to apply');
    }
  });

  it('exits 2 listing every value the templates need, with the flags to pass, then converts with them', async () => {
    const missing = await run('import', 'appmesh', '-f', template('ssm-parameters'));
    expect(missing.code).toBe(2);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toContain('error: the templates refer to values the input does not give (5 problems)');
    const hint = missing.stderr.split('\n').find((l) => l.startsWith('hint: pass '))!;
    for (const flag of ['--parameter MeshName=<value of SSM parameter /platform/mesh-name>', '--parameter ServicePort=<Number>', '--parameter Tier=<gold|silver>', '--import SharedServicesDomain=<value>', '--parameter ListenerPorts=<value of SSM parameter /platform/listener-ports>']) {
      expect(hint).toContain(flag);
    }
    const given = await run('import', 'appmesh', '-f', template('ssm-parameters'), '--parameter', 'MeshName=platform', '--parameter', 'ListenerPorts=9100,9200', '--parameter', 'ServicePort=8443', '--parameter', 'Tier=silver', '--import', 'SharedServicesDomain=corp.internal');
    expect(given.code, given.stderr).toBe(0);
    expect(given.stderr).toContain('5 of 5 App Mesh resources converted, 0 not converted');
  });

  it('resolves Fn::ImportValue from a second -f and reports skipped resources and renames on stderr', async () => {
    const network = await run('import', 'appmesh', '-f', template('app-on-network'), '-f', template('network'));
    expect(network.code, network.stderr).toBe(0);
    expect(network.stdout).toContain('stock.inventory.internal');
    const conditional = await run('import', 'appmesh', '-f', template('conditional-tls'));
    expect(conditional.code).toBe(0);
    expect(conditional.stderr).toContain(`skipped: ${template('conditional-tls')}:Resources.AuditNode: its Condition IsProd is false`);
    const underscores = await run('import', 'appmesh', '-f', template('underscore-names'));
    expect(underscores.code).toBe(0);
    expect(underscores.stderr).toContain('renamed: color_client → color-client');
  });

  it('exits 2 for a malformed --parameter or --import, and 3 for a --parameter no template declares', async () => {
    expect((await run('import', 'appmesh', '-f', template('typed-parameters'), '--parameter', 'GatewayPort')).code).toBe(2);
    expect((await run('import', 'appmesh', '-f', template('typed-parameters'), '--import', '=x')).code).toBe(2);
    const typo = await run('import', 'appmesh', '-f', template('typed-parameters'), '--parameter', 'GatwayPort=80');
    expect(typo.code).toBe(3);
    expect(typo.stderr).toContain('--parameter GatwayPort: no template given declares a parameter GatwayPort');
  });
});
