import { execFile } from 'node:child_process';
import https from 'node:https';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATUS_ANNOTATION } from '../../sidecar/injector/annotations.ts';
import { applyPatch, type JsonPatchOperation } from '../../sidecar/injector/json-patch.ts';
import type { AdmissionReview } from '../../sidecar/injector/k8s-types.ts';
import { namespaceLabelsFrom } from '../../sidecar/injector/kube-namespace-labels.ts';
import { webhookCommand } from '../../sidecar/injector/webhook-command.ts';
import { injectionConfigOf, type WebhookOptions } from '../../sidecar/injector/webhook-serve.ts';
import { startWebhookServer, type WebhookServer } from '../../sidecar/injector/webhook-server.ts';
import { startClusterNetwork, type ClusterNetwork } from '../support/cluster-network.ts';
import { KUBERNETES_SETUP_TIMEOUT_MS, startKubernetes, type KubeObject, type RunningKubernetes } from '../support/kubernetes.ts';
import { waitFor } from '../support/ports.ts';
import { ROOT } from '../support/tools.ts';

const WEBHOOK_NAME = 'sidecar-injector.trellis.dev';
const SERVING_NAME = 'trellis-injector.trellis-system.svc';

interface PodSpec {
  containers: { name: string }[];
  initContainers?: { name: string }[];
  volumes?: { name: string }[];
}
type Pod = KubeObject & { metadata: { name: string; namespace?: string; annotations?: Record<string, string>; labels?: Record<string, string> }; spec: PodSpec };

/** `trellis install kubernetes -o json` as users run it: the objects of its List. */
function installOutput(extra: string[] = []): Promise<KubeObject[]> {
  const args = ['install', 'kubernetes', '-m', 'demo', '--server', 'https://trellis.example.com', '--image', 'registry.example.com/trellis:0.1.0', '-o', 'json', ...extra];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [path.join(ROOT, 'bin/trellis.mjs'), ...args], { env: { ...process.env, TRELLIS_CONFIG: '/nonexistent/trellis.yaml' }, timeout: 20_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`trellis ${args.join(' ')}: ${stderr}`, { cause: err }));
      resolve((JSON.parse(stdout) as { items: KubeObject[] }).items);
    });
  });
}

const ofKind = (objects: KubeObject[], kind: string) => {
  const found = objects.find((o) => o.kind === kind);
  if (!found) throw new Error(`the install output has no ${kind}`);
  return found;
};

/** The injector's options exactly as the install output's Deployment starts it. */
async function deploymentOptions(objects: KubeObject[]): Promise<WebhookOptions> {
  const deployment = ofKind(objects, 'Deployment') as unknown as { spec: { template: { spec: { containers: { args: string[] }[] } } } };
  const args = deployment.spec.template.spec.containers[0]?.args ?? [];
  expect(args[0]).toBe('inject-webhook');
  let parsed: WebhookOptions | undefined;
  await webhookCommand()
    .exitOverride()
    .action((o: WebhookOptions) => {
      parsed = o;
    })
    .parseAsync(args.slice(1), { from: 'user' });
  if (!parsed) throw new Error('inject-webhook did not parse the Deployment args');
  return parsed;
}

/** The webhook's own answer for a pod, asked directly over its TLS (as the API server asks). */
function askWebhook(port: number, ca: string, namespace: string, pod: unknown): Promise<AdmissionReview> {
  const body = JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: { uid: 'direct-review', kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' }, namespace, operation: 'CREATE', object: pod },
  });
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, servername: SERVING_NAME, path: '/inject', method: 'POST', ca, headers: { 'content-type': 'application/json' } }, (res) => {
      let raw = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (raw += c));
      res.on('end', () => resolve(JSON.parse(raw) as AdmissionReview));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A pod as a Deployment's ReplicaSet would create it from its template (no controller-manager runs here). */
function podOf(deployment: { metadata: { name: string; namespace: string }; spec: { template: { metadata: Record<string, unknown>; spec: Record<string, unknown> } } }): Pod {
  const { metadata, spec } = deployment.spec.template;
  return { apiVersion: 'v1', kind: 'Pod', metadata: { ...metadata, name: '', generateName: `${deployment.metadata.name}-7d4f9c-`, namespace: deployment.metadata.namespace }, spec } as unknown as Pod;
}

const reviewsDeployment = (namespace: string) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'reviews-v1', namespace },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: 'reviews', version: 'v1' } },
    template: {
      metadata: { labels: { app: 'reviews', version: 'v1' } },
      spec: {
        serviceAccountName: 'reviews',
        // The token volume the ServiceAccount admission adds would differ between the two reviews compared.
        automountServiceAccountToken: false,
        containers: [{ name: 'reviews', image: 'example/reviews:1.0', ports: [{ name: 'http', containerPort: 9080 }] }],
      },
    },
  },
});

let kube: RunningKubernetes;
let network: ClusterNetwork;
let webhook: WebhookServer | undefined;
let install: KubeObject[];
let servingCa: string;
let clusterIp: string;
const reviewed: { namespace?: string; patched?: boolean }[] = [];

async function createPod(pod: Pod, query = ''): Promise<{ status: number; body: Pod & { message?: string } }> {
  const paths = kube.admin.paths({ kind: 'Pod', metadata: { name: '', namespace: pod.metadata.namespace } });
  return kube.admin.request<Pod & { message?: string }>('POST', `${paths.collection}${query}`, pod);
}

describe('the injection webhook behind a real kube-apiserver', () => {
  beforeAll(async () => {
    network = await startClusterNetwork();
    kube = await startKubernetes({ clusterEgressSocket: network.socketPath });
    install = await installOutput();
    // Everything but the webhook configuration first: the webhook must be serving before it is registered.
    for (const o of install.filter((x) => x.kind !== 'MutatingWebhookConfiguration')) await kube.admin.apply(o);
    const service = (await kube.admin.get<{ spec: { clusterIP: string } }>(ofKind(install, 'Service'))).body;
    const secret = ofKind(install, 'Secret') as unknown as { data: Record<string, string> };
    const tls = { cert: Buffer.from(secret.data['tls.crt'] ?? '', 'base64').toString(), key: Buffer.from(secret.data['tls.key'] ?? '', 'base64').toString() };
    const mwc = ofKind(install, 'MutatingWebhookConfiguration') as unknown as { webhooks: { clientConfig: { caBundle: string } }[] };
    servingCa = Buffer.from(mwc.webhooks[0]?.clientConfig.caBundle ?? '', 'base64').toString();
    // The namespace re-check runs with the install's own ServiceAccount and ClusterRole.
    const token = await kube.admin.serviceAccountToken('trellis-system', 'trellis-injector');
    const log = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) {
          const entry = JSON.parse(line) as { msg?: string; namespace?: string; patched?: boolean };
          if (entry.msg === 'admission review') reviewed.push(entry);
        }
        done();
      },
    });
    webhook = await startWebhookServer({
      config: injectionConfigOf(await deploymentOptions(install)),
      tls,
      host: '127.0.0.1',
      port: 0,
      namespaceLabels: namespaceLabelsFrom({ url: kube.url, ca: kube.ca, token: () => token }),
      logger: pino({ level: 'info' }, log),
    });
    clusterIp = service.spec.clusterIP;
    network.route(clusterIp, 443, webhook.port);
    await kube.admin.apply(ofKind(install, 'MutatingWebhookConfiguration'));
    for (const ns of ['shop', 'tools']) {
      await kube.admin.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, ...(ns === 'shop' ? { labels: { 'trellis.dev/injection': 'enabled' } } : {}) } });
      // No controller-manager creates the default accounts; the ServiceAccount admission needs the pod's.
      await kube.admin.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'reviews', namespace: ns } });
      await kube.admin.apply(reviewsDeployment(ns));
    }
    // The API server picks up a new webhook configuration asynchronously: wait until a dry run is injected.
    const probe = podOf(reviewsDeployment('shop'));
    let last = '';
    await waitFor(
      async () => {
        const r = await createPod(probe, '?dryRun=All');
        last = `HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 600)}`;
        return r.status === 201 && r.body.metadata.annotations?.[STATUS_ANNOTATION] !== undefined;
      },
      'the webhook configuration to take effect',
      30_000,
      200,
    ).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}; last dry run: ${last}; egress asked for ${JSON.stringify(network.requested)}`, { cause: err });
    });
  }, KUBERNETES_SETUP_TIMEOUT_MS + 120_000);

  afterAll(async () => {
    await webhook?.close();
    await kube?.stop();
    await network?.close();
  });

  it('stores the pod of a labelled namespace with the containers, init container and annotations the webhook answered', async () => {
    const pod = podOf(reviewsDeployment('shop'));
    const review = await askWebhook(webhook!.port, servingCa, 'shop', pod);
    expect(review.response?.allowed).toBe(true);
    const patch = JSON.parse(Buffer.from(review.response?.patch ?? '', 'base64').toString()) as JsonPatchOperation[];
    const expected = applyPatch(pod, patch);
    expect(expected.spec.containers.length + (expected.spec.initContainers?.length ?? 0)).toBeGreaterThan(pod.spec.containers.length);

    const created = await createPod(pod);
    expect(created.status, JSON.stringify(created.body).slice(0, 500)).toBe(201);
    const stored = (await kube.admin.get<Pod>({ kind: 'Pod', metadata: { name: created.body.metadata.name, namespace: 'shop' } })).body;
    // The API server adds its defaults (imagePullPolicy, terminationMessagePath, ...) on top of what the webhook asked for.
    expect(stored.spec.containers).toMatchObject(expected.spec.containers);
    expect(stored.spec.initContainers).toMatchObject(expected.spec.initContainers ?? []);
    expect(stored.spec.volumes ?? []).toMatchObject(expected.spec.volumes ?? []);
    expect(stored.metadata.annotations).toEqual(expected.metadata.annotations);
    expect(stored.metadata.annotations?.[STATUS_ANNOTATION]).toBeDefined();
    expect(reviewed.filter((r) => r.namespace === 'shop' && r.patched).length).toBeGreaterThan(0);
    // The API server called the install's Service (its ClusterIP, port 443), not a URL.
    expect(network.requested).toContain(`${clusterIp}:443`);
  });

  it('injects a pod that mounts its service-account token, and the API server accepts the result', async () => {
    const pod = podOf(reviewsDeployment('shop'));
    delete (pod.spec as { automountServiceAccountToken?: boolean }).automountServiceAccountToken;
    const created = await createPod(pod);
    expect(created.status, JSON.stringify(created.body).slice(0, 500)).toBe(201);
    expect(created.body.spec.containers.length + (created.body.spec.initContainers?.length ?? 0)).toBeGreaterThan(1);
    expect(created.body.spec.volumes?.some((v) => v.name.startsWith('kube-api-access-'))).toBe(true);
    expect(created.body.metadata.annotations?.[STATUS_ANNOTATION]).toBeDefined();
  });

  it('leaves a pod of an unlabelled namespace untouched, without calling the webhook', async () => {
    const before = reviewed.length;
    const pod = podOf(reviewsDeployment('tools'));
    const created = await createPod(pod);
    expect(created.status).toBe(201);
    const stored = (await kube.admin.get<Pod>({ kind: 'Pod', metadata: { name: created.body.metadata.name, namespace: 'tools' } })).body;
    expect(stored.spec.containers.map((c) => c.name)).toEqual(['reviews']);
    expect(stored.spec.initContainers).toBeUndefined();
    expect(stored.metadata.annotations?.[STATUS_ANNOTATION]).toBeUndefined();
    expect(reviewed.length).toBe(before);
  });

  it('with the webhook down, failurePolicy Fail refuses the pod and the --fail-open install (Ignore) admits it uninjected', async () => {
    await webhook!.close();
    webhook = undefined;
    const pod = podOf(reviewsDeployment('shop'));
    const refused = await createPod(pod);
    expect(refused.status).toBe(500);
    expect(refused.body.message).toContain(`failed calling webhook "${WEBHOOK_NAME}"`);

    const failOpen = ofKind(await installOutput(['--fail-open']), 'MutatingWebhookConfiguration') as unknown as KubeObject & { webhooks: { failurePolicy: string }[] };
    expect(failOpen.webhooks[0]?.failurePolicy).toBe('Ignore');
    await kube.admin.apply(failOpen);
    await waitFor(async () => (await createPod(pod, '?dryRun=All')).status === 201, 'the Ignore policy to take effect', 30_000, 200);
    const admitted = await createPod(pod);
    expect(admitted.status).toBe(201);
    const stored = (await kube.admin.get<Pod>({ kind: 'Pod', metadata: { name: admitted.body.metadata.name, namespace: 'shop' } })).body;
    expect(stored.spec.containers.map((c) => c.name)).toEqual(['reviews']);
    expect(stored.spec.initContainers).toBeUndefined();
    expect(stored.metadata.annotations?.[STATUS_ANNOTATION]).toBeUndefined();
  });
});
