import { X509Certificate } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import pkg from '../../package.json' with { type: 'json' };
import * as injector from '../../sidecar/injector/annotations.ts';
import { WEBHOOK_PATH as INJECTOR_PATH, WEBHOOK_PORT as INJECTOR_PORT } from '../../sidecar/injector/webhook-server.ts';
import { runCli } from '../main.ts';
import { INJECT_OPT_OUT, INJECTION_NAMESPACE_LABEL, WEBHOOK_PATH, WEBHOOK_PORT, installManifests, type InstallOptions } from './install-manifests.ts';

const TESTDATA = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata');
const FAKE_CERT = { caPem: '<ca certificate>\n', certPem: '<serving certificate>\n', keyPem: '<serving key>\n' };
const OPTIONS: InstallOptions = {
  tenant: 'default',
  mesh: 'demo',
  server: 'https://trellis.example.com',
  xds: 'trellis.example.com:18000',
  image: 'registry.example.com/trellis:0.1.0',
  failOpen: false,
  nativeSidecars: true,
  timeoutSeconds: 10,
  namespace: 'trellis-system',
  replicas: 2,
};

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) }, env: { TRELLIS_CONFIG: '/nonexistent/trellis.yaml' } });
  return { code, stdout, stderr };
}

type Manifest = { kind: string; metadata: { name: string }; data?: Record<string, string>; webhooks?: { caBundle?: string; clientConfig: { caBundle: string }; failurePolicy: string }[] };

describe('installManifests', () => {
  it('matches the golden manifests (certificate material aside)', async () => {
    const yaml = installManifests(OPTIONS, FAKE_CERT).map((o) => stringify(o, { lineWidth: 0 })).join('---\n');
    await expect(yaml).toMatchFileSnapshot(path.join(TESTDATA, 'install-kubernetes.golden.yaml'));
  });

  it('fails open and injects regular containers when asked', async () => {
    const objects = installManifests({ ...OPTIONS, failOpen: true, nativeSidecars: false }, FAKE_CERT) as Manifest[];
    expect(objects.find((o) => o.kind === 'MutatingWebhookConfiguration')?.webhooks?.[0]?.failurePolicy).toBe('Ignore');
    const deployment = JSON.stringify(objects.find((o) => o.kind === 'Deployment'));
    expect(deployment).toContain('"--no-native-sidecars"');
    expect(deployment).toContain('"--fail-open"');
  });

  it("keeps the injector's names and ports", () => {
    expect([INJECTION_NAMESPACE_LABEL, INJECT_OPT_OUT, WEBHOOK_PATH, WEBHOOK_PORT]).toEqual([injector.INJECTION_NAMESPACE_LABEL, injector.INJECT_ANNOTATION, INJECTOR_PATH, INJECTOR_PORT]);
  });
});

describe('trellis install kubernetes', () => {
  it('prints the manifests with a CA bundle that signed the serving certificate for the service name', async () => {
    const r = await cli(['install', 'kubernetes', '-m', 'demo', '--server', 'https://trellis.example.com', '--image', 'registry.example.com/trellis:0.1.0']);
    expect(r.stderr).toBe('no --cluster: the cluster agent is not installed, so the Services of meshed namespaces do not join the mesh\n');
    expect(r.code).toBe(0);
    const objects = parseAllDocuments(r.stdout).map((d) => d.toJS() as Manifest);
    expect(objects.map((o) => o.kind)).toEqual(['Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Secret', 'Deployment', 'Service', 'MutatingWebhookConfiguration']);
    const secret = objects.find((o) => o.kind === 'Secret')!;
    const webhook = objects.find((o) => o.kind === 'MutatingWebhookConfiguration')!.webhooks![0]!;
    const ca = new X509Certificate(Buffer.from(webhook.clientConfig.caBundle, 'base64'));
    const leaf = new X509Certificate(Buffer.from(secret.data!['tls.crt']!, 'base64'));
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.checkHost('trellis-injector.trellis-system.svc')).toBe('trellis-injector.trellis-system.svc');
    expect(Buffer.from(secret.data!['tls.key']!, 'base64').toString()).toContain('BEGIN PRIVATE KEY');
    // The same output as the golden file once the certificate material is replaced.
    const stable = installManifests(OPTIONS, FAKE_CERT);
    const printed = objects.map((o) => JSON.parse(JSON.stringify(o).replaceAll(webhook.clientConfig.caBundle, Buffer.from(FAKE_CERT.caPem).toString('base64')).replaceAll(secret.data!['tls.crt']!, Buffer.from(FAKE_CERT.certPem).toString('base64')).replaceAll(secret.data!['tls.key']!, Buffer.from(FAKE_CERT.keyPem).toString('base64'))) as unknown);
    expect(printed).toEqual(stable);
  });

  it('defaults --image to the released proxy image of this version', async () => {
    const r = await cli(['install', 'kubernetes', '-m', 'demo', '--server', 'https://trellis.example.com']);
    expect(r.code).toBe(0);
    const deployment = parseAllDocuments(r.stdout).map((d) => d.toJS() as Manifest).find((o) => o.kind === 'Deployment');
    const container = (deployment as unknown as { spec: { template: { spec: { containers: { image: string; args: string[] }[] } } } }).spec.template.spec.containers[0]!;
    const released = `public.ecr.aws/trellis-mesh/proxy:${pkg.version}`;
    expect(container.image).toBe(released);
    expect(container.args[container.args.indexOf('--image') + 1]).toBe(released);
  });

  it('with --cluster adds the cluster agent: its ServiceAccount, a read-only ClusterRole, the binding and one replica with a projected Trellis token', async () => {
    const r = await cli(['install', 'kubernetes', '-m', 'demo', '--server', 'https://trellis.example.com', '--image', 'x', '--cluster', 'eu-1', '--tenant', 'acme']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const objects = parseAllDocuments(r.stdout).map((d) => d.toJS() as Record<string, any>); // eslint-disable-line @typescript-eslint/no-explicit-any -- manifests of several kinds
    const agent = objects.filter((o) => o.metadata.name === 'trellis-cluster-agent');
    expect(agent.map((o) => o.kind)).toEqual(['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Deployment']);
    const verbs = new Set(agent[1]!.rules.flatMap((rule: { verbs: string[] }) => rule.verbs));
    expect([...verbs].sort()).toEqual(['get', 'list', 'watch']);
    expect(agent[1]!.rules.flatMap((rule: { resources: string[] }) => rule.resources).sort()).toEqual(['endpointslices', 'namespaces', 'pods', 'services']);
    const spec = agent[3]!.spec;
    expect(spec.replicas).toBe(1);
    expect(spec.template.spec.serviceAccountName).toBe('trellis-cluster-agent');
    expect(spec.template.spec.containers[0].args).toEqual(['--server', 'https://trellis.example.com', '--tenant', 'acme', '--mesh', 'demo', '--cluster', 'eu-1', '--trellis-token-file', '/var/run/secrets/trellis/token']);
    expect(spec.template.spec.volumes[0].projected.sources[0].serviceAccountToken.audience).toBe('trellis');
    const bad = await cli(['install', 'kubernetes', '-m', 'demo', '--server', 'https://trellis.example.com', '--image', 'x', '--cluster', 'EU 1']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('is not a registration name');
  });

  it('needs a mesh and a server address', async () => {
    const noMesh = await cli(['install', 'kubernetes', '--server', 'https://trellis.example.com', '--image', 'x']);
    expect(noMesh.code).not.toBe(0);
    expect(noMesh.stderr).toMatch(/mesh/i);
    const r = await cli(['install', 'kubernetes', '-m', 'demo', '--server', 'not a url', '--image', 'x']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('is not a URL');
  });
});
