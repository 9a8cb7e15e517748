import { readFileSync } from 'node:fs';
import https from 'node:https';

/** How the agent reaches the API server: in a pod, the service-account files and KUBERNETES_SERVICE_*. */
export interface KubeConnection {
  url: string;
  /** PEM bundle the API server's certificate chains to. */
  ca: string;
  /** Read before each request: the kubelet rotates the projected token. */
  tokenFile: string;
}

export class KubeApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

/** A list answer's objects, and the resourceVersion to watch from. */
export interface KubeList<T> {
  items: T[];
  resourceVersion: string;
}

export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

/** Largest list page or watch line the agent reads: far above any real object. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;
const MAX_LINE_BYTES = 4 * 1024 * 1024;
const REQUEST_TIMEOUT_MS = 30_000;

/** `path` may already carry a query (a label selector). */
const joiner = (path: string) => (path.includes('?') ? '&' : '?');

/** The API server's REST API over HTTPS with node:https (list pages and watch streams); read-only. */
export class KubeClient {
  constructor(private readonly connection: KubeConnection) {}

  private headers(): Record<string, string> {
    return { authorization: `Bearer ${readFileSync(this.connection.tokenFile, 'utf8').trim()}`, accept: 'application/json' };
  }

  /** Every page of a collection, following `continue`. */
  async list<T>(path: string): Promise<KubeList<T>> {
    const items: T[] = [];
    let next: string | undefined;
    for (;;) {
      const query = new URLSearchParams({ limit: '500', ...(next ? { continue: next } : {}) });
      const page = await this.get<{ items?: T[]; metadata?: { resourceVersion?: string; continue?: string } }>(`${path}${joiner(path)}${query}`);
      items.push(...(page.items ?? []));
      next = page.metadata?.continue || undefined;
      if (!next) return { items, resourceVersion: page.metadata?.resourceVersion ?? '' };
    }
  }

  private get<T>(path: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const req = https.get(`${this.connection.url}${path}`, { ca: this.connection.ca, headers: this.headers(), timeout: REQUEST_TIMEOUT_MS }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) req.destroy(new Error(`GET ${path}: answer larger than ${MAX_BODY_BYTES} bytes`));
          else chunks.push(chunk);
        });
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200) return reject(new KubeApiError(`GET ${path}: HTTP ${res.statusCode}: ${text.slice(0, 300)}`, res.statusCode ?? 0));
          try {
            resolve(JSON.parse(text) as T);
          } catch {
            reject(new KubeApiError(`GET ${path}: the answer is not JSON`, res.statusCode));
          }
        });
      });
      req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
      req.on('error', reject);
    });
  }

  /**
   * Watches from `resourceVersion`, calling `onEvent` per line; resolves when the server ends the
   * stream (its timeout) and rejects on errors. `stop()` ends it early.
   */
  watch<T>(path: string, resourceVersion: string, onEvent: (event: WatchEvent<T>) => void, timeoutSeconds = 300): { done: Promise<void>; stop: () => void } {
    const query = new URLSearchParams({ watch: '1', resourceVersion, allowWatchBookmarks: 'true', timeoutSeconds: String(timeoutSeconds) });
    let stop = () => {};
    const done = new Promise<void>((resolve, reject) => {
      const req = https.get(`${this.connection.url}${path}${joiner(path)}${query}`, { ca: this.connection.ca, headers: this.headers(), timeout: (timeoutSeconds + 30) * 1000 }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          return reject(new KubeApiError(`watch ${path}: HTTP ${res.statusCode}`, res.statusCode ?? 0));
        }
        let buffered = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffered += chunk;
          if (buffered.length > MAX_LINE_BYTES) return req.destroy(new Error(`watch ${path}: a line longer than ${MAX_LINE_BYTES} bytes`));
          let newline: number;
          while ((newline = buffered.indexOf('\n')) >= 0) {
            const line = buffered.slice(0, newline).trim();
            buffered = buffered.slice(newline + 1);
            if (!line) continue;
            try {
              onEvent(JSON.parse(line) as WatchEvent<T>);
            } catch (err) {
              return req.destroy(err as Error);
            }
          }
        });
        res.on('end', () => resolve());
        res.on('error', reject);
      });
      stop = () => req.destroy();
      req.on('timeout', () => req.destroy(new Error(`watch ${path}: no data for ${timeoutSeconds + 30} s`)));
      req.on('error', (err) => (req.destroyed && err.message === 'socket hang up' ? resolve() : reject(err)));
    });
    return { done, stop };
  }
}
