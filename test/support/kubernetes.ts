import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitFor } from './ports.ts';
import { ROOT } from './tools.ts';

/** The Kubernetes release the tests run against; scripts/ensure-kubernetes-tools.sh builds it. */
export const KUBERNETES_VERSION = '1.34.0';
export const KUBE_APISERVER_BIN = path.join(ROOT, '.tools/kubernetes', `v${KUBERNETES_VERSION}`, 'kube-apiserver');
export const KUBE_CONTROLLER_MANAGER_BIN = path.join(ROOT, '.tools/kubernetes', `v${KUBERNETES_VERSION}`, 'kube-controller-manager');
/** Building kube-apiserver from source takes minutes on two cores; it happens once. */
export const KUBERNETES_SETUP_TIMEOUT_MS = 15 * 60_000;

function etcdInstalled(): boolean {
  return spawnSync('etcd', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Installs etcd and builds kube-apiserver and kube-controller-manager when missing (only Kubernetes tests call this). */
export function ensureKubernetesTools(): void {
  if (existsSync(KUBE_APISERVER_BIN) && existsSync(KUBE_CONTROLLER_MANAGER_BIN) && etcdInstalled()) return;
  const r = spawnSync('bash', [path.join(ROOT, 'scripts/ensure-kubernetes-tools.sh')], { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, KUBERNETES_VERSION }, timeout: KUBERNETES_SETUP_TIMEOUT_MS });
  if (r.status !== 0) throw new Error(`scripts/ensure-kubernetes-tools.sh failed (${r.error?.message ?? `exit ${r.status}`})`);
}

export interface KubeResponse<T = Record<string, unknown>> {
  status: number;
  body: T;
  /** The raw body (readyz and some errors are plain text). */
  text: string;
}

/** What `kubectl apply` would need to know of a kind: its URL prefix, plural and scope. */
const KINDS: Record<string, { prefix: string; plural: string; namespaced: boolean }> = {
  Namespace: { prefix: '/api/v1', plural: 'namespaces', namespaced: false },
  ServiceAccount: { prefix: '/api/v1', plural: 'serviceaccounts', namespaced: true },
  Secret: { prefix: '/api/v1', plural: 'secrets', namespaced: true },
  Service: { prefix: '/api/v1', plural: 'services', namespaced: true },
  Pod: { prefix: '/api/v1', plural: 'pods', namespaced: true },
  EndpointSlice: { prefix: '/apis/discovery.k8s.io/v1', plural: 'endpointslices', namespaced: true },
  Node: { prefix: '/api/v1', plural: 'nodes', namespaced: false },
  Deployment: { prefix: '/apis/apps/v1', plural: 'deployments', namespaced: true },
  ClusterRole: { prefix: '/apis/rbac.authorization.k8s.io/v1', plural: 'clusterroles', namespaced: false },
  ClusterRoleBinding: { prefix: '/apis/rbac.authorization.k8s.io/v1', plural: 'clusterrolebindings', namespaced: false },
  MutatingWebhookConfiguration: { prefix: '/apis/admissionregistration.k8s.io/v1', plural: 'mutatingwebhookconfigurations', namespaced: false },
};

export interface KubeObject {
  kind: string;
  metadata: { name: string; namespace?: string; [key: string]: unknown };
  [key: string]: unknown;
}

/** A small client of the API server: JSON over HTTPS with the server's CA and a bearer token. */
export class KubeClient {
  constructor(
    readonly url: string,
    readonly ca: string,
    readonly token: string,
  ) {}

  request<T = Record<string, unknown>>(method: string, urlPath: string, body?: unknown, contentType = 'application/json'): Promise<KubeResponse<T>> {
    const data = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = https.request(
        `${this.url}${urlPath}`,
        { method, ca: this.ca, timeout: 30_000, headers: { authorization: `Bearer ${this.token}`, accept: 'application/json', ...(data ? { 'content-type': contentType, 'content-length': Buffer.byteLength(data) } : {}) } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => {
            const json = /json/.test(res.headers['content-type'] ?? '');
            try {
              resolve({ status: res.statusCode ?? 0, body: (json && text ? JSON.parse(text) : {}) as T, text });
            } catch {
              reject(new Error(`${method} ${urlPath}: HTTP ${res.statusCode}, bad JSON: ${text.slice(0, 300)}`));
            }
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${urlPath} timed out`)));
      req.on('error', reject);
      req.end(data);
    });
  }

  /** The collection URL of an object's kind (in its namespace), and the object's own URL. */
  paths(o: Pick<KubeObject, 'kind' | 'metadata'>): { collection: string; item: string } {
    const kind = KINDS[o.kind];
    if (!kind) throw new Error(`the test client does not know kind ${o.kind}`);
    const ns = kind.namespaced ? `/namespaces/${encodeURIComponent(o.metadata.namespace ?? 'default')}` : '';
    const collection = `${kind.prefix}${ns}/${kind.plural}`;
    return { collection, item: `${collection}/${encodeURIComponent(o.metadata.name)}` };
  }

  /** POSTs the object; the API server's answer (status and body) is returned, refusals included. */
  create<T = KubeObject>(o: KubeObject): Promise<KubeResponse<T>> {
    return this.request<T>('POST', this.paths(o).collection, o);
  }

  /** Creates the object, or replaces it if it exists (server-side apply). */
  async apply(o: KubeObject): Promise<KubeObject> {
    const r = await this.request<KubeObject>('PATCH', `${this.paths(o).item}?fieldManager=trellis-tests&force=true`, o, 'application/apply-patch+yaml');
    if (r.status >= 300) throw new Error(`apply ${o.kind} ${o.metadata.name}: HTTP ${r.status}: ${JSON.stringify(r.body).slice(0, 500)}`);
    return r.body;
  }

  get<T = KubeObject>(o: Pick<KubeObject, 'kind' | 'metadata'>): Promise<KubeResponse<T>> {
    return this.request<T>('GET', this.paths(o).item);
  }

  async delete(o: Pick<KubeObject, 'kind' | 'metadata'>): Promise<void> {
    const r = await this.request('DELETE', this.paths(o).item);
    if (r.status >= 300 && r.status !== 404) throw new Error(`delete ${o.kind} ${o.metadata.name}: HTTP ${r.status}`);
  }

  /**
   * What a kubelet would do for a pod, since none runs here: bind it to `node` (as the scheduler
   * would) and report it running on `ip`, ready or not.
   */
  async runPod(namespace: string, name: string, o: { node: string; ip: string; ready?: boolean }): Promise<void> {
    const pod = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}`;
    const current = await this.request<{ spec?: { nodeName?: string } }>('GET', pod);
    if (current.status !== 200) throw new Error(`get pod ${namespace}/${name}: HTTP ${current.status}`);
    if (!current.body.spec?.nodeName) {
      const bound = await this.request('POST', `${pod}/binding`, { apiVersion: 'v1', kind: 'Binding', metadata: { name, namespace }, target: { apiVersion: 'v1', kind: 'Node', name: o.node } });
      if (bound.status !== 201) throw new Error(`bind pod ${namespace}/${name}: HTTP ${bound.status}: ${bound.text.slice(0, 300)}`);
    }
    const ready = o.ready === false ? 'False' : 'True';
    const status = { status: { phase: 'Running', podIP: o.ip, podIPs: [{ ip: o.ip }], conditions: [{ type: 'Ready', status: ready }, { type: 'ContainersReady', status: ready }] } };
    const patched = await this.request('PATCH', `${pod}/status`, status, 'application/merge-patch+json');
    if (patched.status !== 200) throw new Error(`pod status ${namespace}/${name}: HTTP ${patched.status}: ${patched.text.slice(0, 300)}`);
  }

  /** A token for a ServiceAccount (TokenRequest API), to act with exactly the RBAC it is granted; `audiences` as a projected volume sets them. */
  async serviceAccountToken(namespace: string, name: string, audiences?: string[]): Promise<string> {
    const r = await this.request<{ status?: { token?: string } }>('POST', `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600, ...(audiences ? { audiences } : {}) } });
    if (r.status !== 201 || !r.body.status?.token) throw new Error(`token for ${namespace}/${name}: HTTP ${r.status}: ${JSON.stringify(r.body).slice(0, 300)}`);
    return r.body.status.token;
  }
}

export interface StartKubernetesOptions {
  /** Unix socket of the HTTP CONNECT proxy the API server reaches Services through (its "cluster" egress). */
  clusterEgressSocket?: string;
  /**
   * Also run kube-controller-manager with the controllers that need no kubelet or cloud:
   * Deployments, ReplicaSets, EndpointSlices and the default ServiceAccounts.
   */
  controllerManager?: boolean;
  /**
   * false: watches read etcd directly (`--watch-cache=false`), so a watch from a compacted
   * resourceVersion gets 410 Gone as soon as etcd is compacted; the cache would replay it.
   */
  watchCache?: boolean;
}

export interface RunningKubernetes {
  url: string;
  /** PEM CA bundle of the API server's serving certificate. */
  ca: string;
  /** A client whose token is in system:masters (cluster-admin). */
  admin: KubeClient;
  /** The last lines kube-apiserver and etcd wrote, for failure messages. */
  logs(): string;
  /** Compacts etcd's history up to its current revision: older resourceVersions are gone. */
  compactEtcd(): Promise<void>;
  stop(): Promise<void>;
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** etcd and kube-apiserver on free loopback ports, in a scratch directory; resolves when /readyz is ok. */
export async function startKubernetes(o: StartKubernetesOptions = {}): Promise<RunningKubernetes> {
  ensureKubernetesTools();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-kube-'));
  let output = '';
  const capture = (child: ChildProcess, name: string) => {
    const add = (b: Buffer) => (output = (output + b.toString().replace(/^/gm, `${name}: `)).slice(-30_000));
    child.stdout?.on('data', add);
    child.stderr?.on('data', add);
  };
  const [etcdClient, etcdPeer, securePort] = [await freePort(), await freePort(), await freePort()];
  const etcd = spawn(
    'etcd',
    [
      '--name', 'trellis-test',
      '--data-dir', path.join(dir, 'etcd'),
      '--listen-client-urls', `http://127.0.0.1:${etcdClient}`,
      '--advertise-client-urls', `http://127.0.0.1:${etcdClient}`,
      '--listen-peer-urls', `http://127.0.0.1:${etcdPeer}`,
      '--initial-advertise-peer-urls', `http://127.0.0.1:${etcdPeer}`,
      '--initial-cluster', `trellis-test=http://127.0.0.1:${etcdPeer}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  capture(etcd, 'etcd');
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
  writeFileSync(path.join(dir, 'sa.pub'), publicKey);
  writeFileSync(path.join(dir, 'sa.key'), privateKey, { mode: 0o600 });
  const token = randomBytes(24).toString('hex');
  writeFileSync(path.join(dir, 'tokens.csv'), `${token},trellis-test-admin,trellis-test-admin,system:masters\n`, { mode: 0o600 });
  const args = [
    `--etcd-servers=http://127.0.0.1:${etcdClient}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${securePort}`,
    `--cert-dir=${path.join(dir, 'certs')}`,
    '--service-account-issuer=https://kubernetes.default.svc',
    `--service-account-key-file=${path.join(dir, 'sa.pub')}`,
    `--service-account-signing-key-file=${path.join(dir, 'sa.key')}`,
    `--token-auth-file=${path.join(dir, 'tokens.csv')}`,
    '--authorization-mode=RBAC',
    '--service-cluster-ip-range=10.96.0.0/16',
    ...(o.watchCache === false ? ['--watch-cache=false'] : []),
  ];
  if (o.clusterEgressSocket) {
    const config = { apiVersion: 'apiserver.k8s.io/v1beta1', kind: 'EgressSelectorConfiguration', egressSelections: [{ name: 'cluster', connection: { proxyProtocol: 'HTTPConnect', transport: { uds: { udsName: o.clusterEgressSocket } } } }] };
    writeFileSync(path.join(dir, 'egress.json'), JSON.stringify(config));
    args.push(`--egress-selector-config-file=${path.join(dir, 'egress.json')}`);
  }
  const apiserver = spawn(KUBE_APISERVER_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  capture(apiserver, 'kube-apiserver');
  let controllerManager: ChildProcess | undefined;
  const stop = async () => {
    if (controllerManager) await stopChild(controllerManager);
    await stopChild(apiserver);
    await stopChild(etcd);
    rmSync(dir, { recursive: true, force: true });
  };
  const url = `https://127.0.0.1:${securePort}`;
  const certFile = path.join(dir, 'certs', 'apiserver.crt');
  try {
    await waitFor(() => apiserver.exitCode !== null || existsSync(certFile), 'the API server certificate', 30_000, 100);
    if (apiserver.exitCode !== null) throw new Error(`kube-apiserver exited ${apiserver.exitCode}`);
    // The self-signed serving certificate file holds the certificate and the CA that signed it.
    const ca = readFileSync(certFile, 'utf8');
    const admin = new KubeClient(url, ca, token);
    // An exited API server ends the wait at once, and is reported below.
    await waitFor(async () => apiserver.exitCode !== null || (await admin.request('GET', '/readyz')).status === 200, 'kube-apiserver /readyz', 60_000, 250);
    if (apiserver.exitCode !== null) throw new Error(`kube-apiserver exited ${apiserver.exitCode}`);
    if (o.controllerManager) {
      const kubeconfig = {
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'test', cluster: { server: url, 'certificate-authority-data': Buffer.from(ca).toString('base64') } }],
        users: [{ name: 'admin', user: { token } }],
        contexts: [{ name: 'test', context: { cluster: 'test', user: 'admin' } }],
        'current-context': 'test',
      };
      writeFileSync(path.join(dir, 'kubeconfig'), JSON.stringify(kubeconfig), { mode: 0o600 });
      controllerManager = spawn(
        KUBE_CONTROLLER_MANAGER_BIN,
        [
          `--kubeconfig=${path.join(dir, 'kubeconfig')}`,
          '--controllers=deployment,replicaset,endpointslice,serviceaccount',
          '--leader-elect=false',
          '--secure-port=0',
          `--service-account-private-key-file=${path.join(dir, 'sa.key')}`,
          // Quick enough for tests: the default batches EndpointSlice updates for a second.
          '--endpointslice-updates-batch-period=0s',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      capture(controllerManager, 'kube-controller-manager');
      const cm = controllerManager;
      // Ready once its ServiceAccount controller made the default account of `default`.
      await waitFor(async () => cm.exitCode !== null || (await admin.request('GET', '/api/v1/namespaces/default/serviceaccounts/default')).status === 200, 'kube-controller-manager running', 60_000, 250);
      if (cm.exitCode !== null) throw new Error(`kube-controller-manager exited ${cm.exitCode}`);
    }
    const compactEtcd = async () => {
      // etcd's JSON gateway: the current revision from any read, then a physical compaction up to it.
      const etcdApi = async (p: string, body: unknown) => {
        const r = await fetch(`http://127.0.0.1:${etcdClient}${p}`, { method: 'POST', body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
        if (!r.ok) throw new Error(`etcd ${p}: HTTP ${r.status}: ${(await r.text()).slice(0, 300)}`);
        return (await r.json()) as { header?: { revision?: string } };
      };
      const revision = (await etcdApi('/v3/kv/range', { key: Buffer.from('/').toString('base64') })).header?.revision;
      if (!revision) throw new Error('etcd answered without a revision');
      await etcdApi('/v3/kv/compaction', { revision, physical: true });
    };
    return { url, ca, admin, logs: () => output, compactEtcd, stop };
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n${output.slice(-5000)}`, { cause: err });
  }
}
