import { KubeApiError, type KubeClient, type WatchEvent } from './kube-client.ts';

interface Meta {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
}

export interface InformerOptions<T, S> {
  /** The collection, e.g. `/api/v1/services` (cluster-wide) or with `?labelSelector=` folded in by `query`. */
  path: string;
  query?: Record<string, string>;
  /** What the agent keeps of each object (memory: labels, not whole Pods). */
  keep: (object: T) => S;
  /** Called with the namespaces whose objects changed (`''` for cluster-scoped ones). */
  onChange: (namespaces: ReadonlySet<string>) => void;
  onError: (err: unknown, what: string) => void;
  /** How long the server keeps one watch open before the informer resumes it (default 300 s). */
  watchSeconds?: number;
  /** First retry delay after a failure; doubles up to 30 s. */
  retryMs?: number;
}


/**
 * One resource kind kept current: list, then watch from the list's resourceVersion; a watch that
 * ends is resumed from the last version seen (bookmarks included), and 410 Gone — the version is
 * too old — or any failure relists, so objects deleted meanwhile are noticed.
 */
export class Informer<T extends Meta, S> {
  /** namespace (`''` for cluster-scoped kinds) → name → what was kept. */
  readonly byNamespace = new Map<string, Map<string, S>>();
  private stopped = false;
  private stopWatch = () => {};
  private synced = false;
  /** API calls made (lists pages are counted as one list), and watches refused as too old (410 Gone). */
  readonly calls = { lists: 0, watches: 0, expired: 0 };

  constructor(
    private readonly client: KubeClient,
    private readonly options: InformerOptions<T, S>,
  ) {}

  get hasSynced(): boolean {
    return this.synced;
  }

  /** Runs until `stop()`. */
  async run(): Promise<void> {
    let delay = this.options.retryMs ?? 500;
    let version: string | undefined;
    while (!this.stopped) {
      try {
        if (version === undefined) version = await this.relist();
        const current = { version };
        this.calls.watches++;
        const watch = this.client.watch<T>(this.url(), version, (event) => this.apply(event, current), this.options.watchSeconds);
        this.stopWatch = watch.stop;
        await watch.done;
        version = current.version;
        delay = this.options.retryMs ?? 500;
      } catch (err) {
        if (this.stopped) return;
        if (err instanceof KubeApiError && err.status === 410) this.calls.expired++;
        else this.options.onError(err, `watch ${this.options.path}`);
        version = undefined;
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, delay);
          this.stopWatch = () => {
            clearTimeout(t);
            resolve();
          };
        });
        delay = Math.min(delay * 2, 30_000);
      }
    }
  }

  stop(): void {
    this.stopped = true;
    this.stopWatch();
  }

  private url(): string {
    const q = this.options.query ? `?${new URLSearchParams(this.options.query)}` : '';
    return `${this.options.path}${q}`;
  }

  private async relist(): Promise<string> {
    this.calls.lists++;
    const list = await this.client.list<T>(this.url());
    const changed = new Set<string>(this.byNamespace.keys());
    this.byNamespace.clear();
    for (const item of list.items) {
      this.put(item);
      changed.add(item.metadata?.namespace ?? '');
    }
    this.synced = true;
    this.options.onChange(changed);
    return list.resourceVersion;
  }

  private apply(event: WatchEvent<T>, current: { version: string }): void {
    if (event.type === 'ERROR') {
      const status = event.object as unknown as { code?: number; message?: string };
      // The stream's end makes run() relist on 410; other errors too.
      throw new KubeApiError(`watch ${this.options.path}: ${status.message ?? 'error'}`, status.code ?? 0);
    }
    const version = event.object.metadata?.resourceVersion;
    if (version) current.version = version;
    if (event.type === 'BOOKMARK') return;
    const namespace = event.object.metadata?.namespace ?? '';
    if (event.type === 'DELETED') {
      const objects = this.byNamespace.get(namespace);
      objects?.delete(event.object.metadata?.name ?? '');
      if (objects?.size === 0) this.byNamespace.delete(namespace);
    } else this.put(event.object);
    this.options.onChange(new Set([namespace]));
  }

  private put(object: T): void {
    const namespace = object.metadata?.namespace ?? '';
    let objects = this.byNamespace.get(namespace);
    if (!objects) this.byNamespace.set(namespace, (objects = new Map()));
    objects.set(object.metadata?.name ?? '', this.options.keep(object));
  }
}
