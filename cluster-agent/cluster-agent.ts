import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { Informer } from './informer.ts';
import { KubeClient, type KubeConnection } from './kube-client.ts';
import { keepPod, keepService, keepSlice, namespaceDocument, type KubePod, type KubeService, type KubeSlice, type PodView, type ServiceView, type SliceView } from './namespace-view.ts';

/** The namespace label that meshes a namespace (the injection webhook's). */
export const MESHED_NAMESPACE_LABEL = 'trellis.dev/injection';

export interface ClusterAgentOptions {
  kube: KubeConnection;
  /** Trellis API URL. */
  server: string;
  tenant: string;
  mesh: string;
  /** The EKS cluster registration's name in the mesh. */
  cluster: string;
  /** The agent's projected service-account token for Trellis (audience of the registration); read before each write. */
  trellisTokenFile: string;
  /** At most this many namespace writes per second, whatever churns (default 5). */
  maxWritesPerSecond?: number;
  /** Every meshed namespace is sent again this often, well within the entries' 10-minute TTL (default 3 min). */
  refreshMs?: number;
  /** How long one watch stays open before it is resumed from its resourceVersion (default 300 s). */
  watchSeconds?: number;
  /** Changes of one namespace within this long are sent as one write (default 100 ms). */
  settleMs?: number;
  logger: Logger;
}

export interface ClusterAgentStats {
  lists: number;
  watches: number;
  /** Watches the API server refused as too old (410 Gone), each followed by a relist. */
  expiredWatches: number;
  writes: number;
  failedWrites: number;
  /** Namespaces waiting to be written. */
  pending: number;
}

type NamespaceObject = { metadata?: { name?: string } };

/**
 * `trellis-cluster-agent`: mirrors the Services and ready endpoints of meshed namespaces into the
 * mesh's workload registry through the Trellis API. It only reads the cluster and never writes
 * config revisions: each write replaces one namespace's live entries.
 */
export class ClusterAgent {
  private readonly services: Informer<KubeService, ServiceView>;
  private readonly slices: Informer<KubeSlice, SliceView>;
  private readonly pods: Informer<KubePod, PodView>;
  private readonly namespaces: Informer<NamespaceObject, string>;
  private readonly dirty = new Set<string>();
  /** Namespaces Trellis holds entries of (sent and not deleted since). */
  private readonly sent = new Set<string>();
  private meshed = new Set<string>();
  private stopped = false;
  private wake = () => {};
  private readonly counters = { writes: 0, failedWrites: 0 };
  private loops: Promise<unknown>[] = [];
  private readonly waits = new Set<() => void>();

  constructor(private readonly options: ClusterAgentOptions) {
    const client = new KubeClient(options.kube);
    const onError = (err: unknown, what: string) => options.logger.warn({ err: (err as Error).message }, `${what} failed; relisting`);
    const touch = (namespaces: ReadonlySet<string>) => this.markDirty(namespaces);
    const watchSeconds = options.watchSeconds ?? 300;
    this.services = new Informer(client, { path: '/api/v1/services', keep: keepService, onChange: touch, onError, watchSeconds });
    this.slices = new Informer(client, { path: '/apis/discovery.k8s.io/v1/endpointslices', keep: keepSlice, onChange: touch, onError, watchSeconds });
    this.pods = new Informer(client, { path: '/api/v1/pods', keep: keepPod, onChange: touch, onError, watchSeconds });
    this.namespaces = new Informer(client, {
      path: '/api/v1/namespaces',
      query: { labelSelector: `${MESHED_NAMESPACE_LABEL}=enabled` },
      keep: (n) => n.metadata?.name ?? '',
      onChange: () => this.onNamespaces(),
      onError,
      watchSeconds,
    });
  }

  start(): void {
    const informers = [this.namespaces, this.services, this.slices, this.pods];
    this.loops = [...informers.map((i) => i.run()), this.writeLoop(), this.refreshLoop()];
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const i of [this.namespaces, this.services, this.slices, this.pods]) i.stop();
    for (const end of [...this.waits]) end();
    await Promise.allSettled(this.loops);
  }

  stats(): ClusterAgentStats {
    const informers = [this.namespaces, this.services, this.slices, this.pods];
    return {
      lists: informers.reduce((n, i) => n + i.calls.lists, 0),
      watches: informers.reduce((n, i) => n + i.calls.watches, 0),
      expiredWatches: informers.reduce((n, i) => n + i.calls.expired, 0),
      ...this.counters,
      pending: this.dirty.size,
    };
  }

  private onNamespaces(): void {
    const next = new Set([...(this.namespaces.byNamespace.get('')?.values() ?? [])]);
    const changed = new Set([...next, ...this.meshed].filter((n) => next.has(n) !== this.meshed.has(n)));
    this.meshed = next;
    this.markDirty(changed);
  }

  private markDirty(namespaces: ReadonlySet<string>): void {
    for (const n of namespaces) if (n && (this.meshed.has(n) || this.sent.has(n))) this.dirty.add(n);
    if (this.dirty.size > 0) this.wake();
  }

  private synced(): boolean {
    return [this.namespaces, this.services, this.slices, this.pods].every((i) => i.hasSynced);
  }

  /** Waits `ms`, or less when woken: by a change (`wake`), or by `stop()` (every wait ends). */
  private delay(ms: number, wakeable = false): Promise<void> {
    return new Promise((resolve) => {
      const end = () => {
        clearTimeout(t);
        this.waits.delete(end);
        resolve();
      };
      const t = setTimeout(end, ms);
      this.waits.add(end);
      if (wakeable) this.wake = end;
    });
  }

  private async refreshLoop(): Promise<void> {
    const every = this.options.refreshMs ?? 3 * 60_000;
    while (!this.stopped) {
      await this.delay(every);
      if (this.stopped) return;
      this.markDirty(this.meshed);
    }
  }

  private async writeLoop(): Promise<void> {
    const gap = 1000 / (this.options.maxWritesPerSecond ?? 5);
    const settle = this.options.settleMs ?? 100;
    let backoff = 500;
    while (!this.stopped) {
      // Nothing is written before every kind is listed: a partial view would remove live endpoints.
      if (this.dirty.size === 0 || !this.synced()) {
        await this.delay(this.dirty.size === 0 ? 60_000 : 50, true);
        continue;
      }
      await this.delay(settle);
      if (this.stopped) return;
      const namespace = this.dirty.values().next().value!;
      this.dirty.delete(namespace);
      const started = Date.now();
      try {
        await this.write(namespace);
        backoff = 500;
      } catch (err) {
        this.counters.failedWrites++;
        this.dirty.add(namespace);
        this.options.logger.warn({ namespace, err: (err as Error).message }, 'namespace not written to Trellis; retrying');
        await this.delay(backoff);
        backoff = Math.min(backoff * 2, 30_000);
      }
      const wait = gap - (Date.now() - started);
      if (wait > 0) await this.delay(wait);
    }
  }

  private async write(namespace: string): Promise<void> {
    const o = this.options;
    const url = `${o.server.replace(/\/+$/, '')}/v1/meshes/${encodeURIComponent(o.mesh)}/registry-sources/kubernetes/${encodeURIComponent(o.cluster)}/namespaces/${encodeURIComponent(namespace)}`;
    const headers = { authorization: `EksToken ${readFileSync(o.trellisTokenFile, 'utf8').trim()}`, 'trellis-tenant': o.tenant, 'content-type': 'application/json' };
    const meshed = this.meshed.has(namespace);
    if (!meshed && !this.sent.has(namespace)) return;
    const body = meshed ? JSON.stringify(this.document(namespace)) : undefined;
    this.counters.writes++;
    const res = await fetch(url, { method: meshed ? 'PUT' : 'DELETE', headers, body, signal: AbortSignal.timeout(30_000) });
    const text = await res.text();
    if (!res.ok) throw new Error(`${meshed ? 'PUT' : 'DELETE'} ${url}: HTTP ${res.status}: ${text.slice(0, 500)}`);
    if (meshed) this.sent.add(namespace);
    else this.sent.delete(namespace);
  }

  private document(namespace: string) {
    const services = [...(this.services.byNamespace.get(namespace)?.values() ?? [])];
    const slices = [...(this.slices.byNamespace.get(namespace)?.values() ?? [])];
    return namespaceDocument(services, slices, this.pods.byNamespace.get(namespace) ?? new Map());
  }
}
