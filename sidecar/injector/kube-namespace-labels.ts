import { readFileSync } from 'node:fs';
import https from 'node:https';

/** Where Kubernetes mounts a pod's service-account credentials. */
export const IN_CLUSTER_CREDENTIALS = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface KubeApi {
  /** https://host:port of the API server. */
  url: string;
  /** PEM CA bundle that signed the API server's certificate. */
  ca: string;
  /** Read on every call: kubelet rotates projected tokens in place. */
  token: () => string;
}

export function inClusterApi(env: NodeJS.ProcessEnv = process.env, dir = IN_CLUSTER_CREDENTIALS): KubeApi {
  const host = env.KUBERNETES_SERVICE_HOST;
  if (!host) throw new Error('not in a cluster: KUBERNETES_SERVICE_HOST is unset');
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return { url: `https://${hostPart}:${env.KUBERNETES_SERVICE_PORT ?? '443'}`, ca: readFileSync(`${dir}/ca.crt`, 'utf8'), token: () => readFileSync(`${dir}/token`, 'utf8').trim() };
}

/**
 * Namespace labels from the API server (`get namespaces`), cached for `ttlMs` so a burst of pods
 * in one namespace costs one call. Rejects when the API server cannot be asked.
 */
export function namespaceLabelsFrom(api: KubeApi, ttlMs = 30_000, now: () => number = Date.now): (namespace: string) => Promise<Record<string, string> | undefined> {
  const cache = new Map<string, { at: number; labels: Promise<Record<string, string> | undefined> }>();
  const fetchLabels = (namespace: string) =>
    new Promise<Record<string, string> | undefined>((resolve, reject) => {
      const req = https.get(`${api.url}/api/v1/namespaces/${encodeURIComponent(namespace)}`, { ca: api.ca, headers: { authorization: `Bearer ${api.token()}`, accept: 'application/json' }, timeout: 3000 }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
          if (body.length > 1_000_000) req.destroy(new Error('namespace object too large'));
        });
        res.on('end', () => {
          if (res.statusCode === 404) return resolve(undefined);
          if (res.statusCode !== 200) return reject(new Error(`GET namespace ${namespace}: HTTP ${res.statusCode}`));
          try {
            resolve((JSON.parse(body) as { metadata?: { labels?: Record<string, string> } }).metadata?.labels ?? {});
          } catch (err) {
            reject(err as Error);
          }
        });
      });
      req.on('timeout', () => req.destroy(new Error('namespace lookup timed out')));
      req.on('error', reject);
    });
  return (namespace) => {
    const hit = cache.get(namespace);
    if (hit && now() - hit.at < ttlMs) return hit.labels;
    const labels = fetchLabels(namespace);
    cache.set(namespace, { at: now(), labels });
    // A failed lookup is not cached: the next pod asks again.
    labels.catch(() => cache.delete(namespace));
    if (cache.size > 10_000) cache.delete(cache.keys().next().value!);
    return labels;
  };
}
