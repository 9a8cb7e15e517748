import { randomUUID } from 'node:crypto';
import type { KindName } from '../../../core/resources/kinds.ts';
import type { IstioResource, ResourceKey, StoredResource } from '../../../core/resources/resource.ts';
import type { Change, ConfigStore, Page, PageRequest } from '../../../core/store/config-store.ts';
import { contentOf } from '../../../core/store/resource-content.ts';

/** The store under test; `reopen` closes it and opens another on the same data. */
export interface Harness {
  readonly store: ConfigStore;
  reopen(): Promise<ConfigStore>;
}

export const uid = (): string => randomUUID().slice(0, 8);

export async function newTenant(store: ConfigStore): Promise<string> {
  const id = `t-${uid()}`;
  await store.createTenant({ id, displayName: `Tenant ${id}` });
  return id;
}

export async function newMesh(store: ConfigStore, name = 'prod'): Promise<{ tenantId: string; mesh: string }> {
  const tenantId = await newTenant(store);
  await store.putMesh(tenantId, name, { trustDomain: `${tenantId}.mesh.local` });
  return { tenantId, mesh: name };
}

const API_VERSION: Record<KindName, string> = {
  VirtualService: 'networking.istio.io/v1',
  DestinationRule: 'networking.istio.io/v1',
  Gateway: 'networking.istio.io/v1',
  ServiceEntry: 'networking.istio.io/v1',
  Sidecar: 'networking.istio.io/v1',
  WorkloadEntry: 'networking.istio.io/v1',
  WorkloadGroup: 'networking.istio.io/v1',
  EnvoyFilter: 'networking.istio.io/v1',
  ProxyConfig: 'networking.istio.io/v1',
  PeerAuthentication: 'security.istio.io/v1',
  AuthorizationPolicy: 'security.istio.io/v1',
  RequestAuthentication: 'security.istio.io/v1',
  Telemetry: 'telemetry.istio.io/v1',
};

export function resource(kind: KindName, namespace: string, name: string, spec: Record<string, unknown> = {}, labels?: Record<string, string>): IstioResource {
  return { apiVersion: API_VERSION[kind], kind, metadata: { name, namespace, ...(labels && { labels }) }, spec };
}

export const vs = (namespace: string, name: string, weight = 100): IstioResource =>
  resource('VirtualService', namespace, name, { hosts: [`${name}.${namespace}.svc`], http: [{ route: [{ destination: { host: name }, weight }] }] });

export const put = (r: IstioResource, expectedVersion?: string | null): Change => ({ op: 'put', resource: r, ...(expectedVersion !== undefined && { expectedVersion }) });
export const del = (key: ResourceKey, expectedVersion?: string): Change => ({ op: 'delete', key, ...(expectedVersion !== undefined && { expectedVersion }) });
export const key = (kind: KindName, namespace: string, name: string): ResourceKey => ({ kind, namespace, name });
export const keyOfResource = (r: IstioResource): ResourceKey => key(r.kind, r.metadata.namespace, r.metadata.name);

/** `Kind/namespace/name` of each, for readable assertions. */
export const names = (rs: { kind: string; metadata: { namespace: string; name: string } }[]): string[] => rs.map((r) => `${r.kind}/${r.metadata.namespace}/${r.metadata.name}`);

/** Content without resourceVersion, to compare what two revisions hold. */
export const contents = (rs: StoredResource[]): string[] => rs.map(contentOf);

/** Follows cursors to the end, checking every page respects the limit. */
export async function allPages<T>(fetch: (page: PageRequest) => Promise<Page<T>>, limit: number): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await fetch({ limit, ...(cursor !== undefined && { cursor }) });
    if (page.items.length > limit) throw new Error(`page of ${page.items.length} exceeds limit ${limit}`);
    if (page.items.length === 0 && page.nextCursor !== undefined) throw new Error('empty page with a next cursor');
    items.push(...page.items);
    cursor = page.nextCursor;
    pages++;
    if (pages > 10_000) throw new Error('cursor never ends');
  } while (cursor !== undefined);
  return { items, pages };
}

export function isAscending(values: string[]): boolean {
  return values.every((v, i) => i === 0 || values[i - 1]! < v);
}
