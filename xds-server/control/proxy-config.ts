import type { ProxyConfigEntry, ProxyConfigType } from '../../core/proxies/proxy-config.ts';
import type { ResourceCache } from '../cache/index.ts';
import { CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL, LISTENER_TYPE_URL, ROUTE_TYPE_URL, decodeResource, type XdsTypeUrl } from '../protos/index.ts';
import type { ProxyStatus } from '../server/index.ts';

const TYPE_URLS: Record<Exclude<ProxyConfigType, 'secrets'>, XdsTypeUrl> = {
  clusters: CLUSTER_TYPE_URL,
  listeners: LISTENER_TYPE_URL,
  routes: ROUTE_TYPE_URL,
  endpoints: ENDPOINT_TYPE_URL,
};

/** The resources of one type the proxy's scope is served, decoded, with what this stream sent and got acked. */
function entriesOf(cache: ResourceCache, status: ProxyStatus, typeUrl: XdsTypeUrl): ProxyConfigEntry[] {
  const sent = status.types.find((t) => t.typeUrl === typeUrl)?.resources ?? {};
  return [...cache.resources(status.scope, typeUrl).values()]
    .map((r) => ({
      name: r.name,
      version: r.version,
      ...(sent[r.name]?.sent ? { sent: sent[r.name]!.sent } : {}),
      ...(sent[r.name]?.acked ? { acked: sent[r.name]!.acked } : {}),
      resource: decodeResource(typeUrl, r.body),
    }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Names of SDS secrets an object refers to (`*_sds_secret_config(s)` anywhere inside it). */
function sdsNames(value: unknown, into: Set<string>, depth = 0): void {
  if (depth > 64 || typeof value !== 'object' || value === null) return;
  for (const [key, v] of Object.entries(value)) {
    if (/sds_?secret_?config/i.test(key)) {
      for (const ref of Array.isArray(v) ? v : [v]) if (typeof (ref as { name?: unknown })?.name === 'string') into.add((ref as { name: string }).name);
    } else sdsNames(v, into, depth + 1);
  }
}

/** The SDS secret names an Envoy resource (proto JSON) refers to. */
export function sdsNamesOf(resource: unknown): Set<string> {
  const names = new Set<string>();
  sdsNames(resource, names);
  return names;
}

/**
 * Secrets' metadata only: sidecars fetch key material from their agent over SDS, so the
 * control plane knows names and users, never contents.
 */
function secretsOf(cache: ResourceCache, status: ProxyStatus): ProxyConfigEntry[] {
  const users = new Map<string, string[]>();
  for (const [kind, typeUrl] of [['cluster', CLUSTER_TYPE_URL], ['listener', LISTENER_TYPE_URL]] as const) {
    for (const entry of entriesOf(cache, status, typeUrl)) {
      const names = new Set<string>();
      sdsNames(entry.resource, names);
      for (const name of names) users.set(name, [...(users.get(name) ?? []), `${kind}/${entry.name}`]);
    }
  }
  return [...users.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, usedBy]) => ({ name, source: 'sds (workload agent)', usedBy }));
}

export function proxyConfigOf(cache: ResourceCache, status: ProxyStatus, types: readonly ProxyConfigType[]): Partial<Record<ProxyConfigType, ProxyConfigEntry[]>> {
  const out: Partial<Record<ProxyConfigType, ProxyConfigEntry[]>> = {};
  for (const type of types) out[type] = type === 'secrets' ? secretsOf(cache, status) : entriesOf(cache, status, TYPE_URLS[type]);
  return out;
}
