import type { CredentialStore } from '../../core/credentials/index.ts';
import type { FleetStatusStore, ProxyStatusRecord } from '../../core/fleet/index.ts';
import type { ConfigPreview } from '../../core/proxies/config-preview.ts';
import type { ProxyConfig, ProxyConfigEntry, ProxyConfigType } from '../../core/proxies/proxy-config.ts';
import type { ProxyStatusSource, XdsTypeName } from '../../core/proxies/proxy-status.ts';
import type { WorkloadRegistry } from '../../core/registry/index.ts';
import type { IstioResource } from '../../core/resources/resource.ts';
import type { ConfigStore } from '../../core/store/config-store.ts';
import { contentVersion, encodeServed, typeVersion } from '../cache/index.ts';
import { CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL, LISTENER_TYPE_URL, ROUTE_TYPE_URL, decodeResource, type XdsTypeUrl } from '../protos/index.ts';
import { buildMeshIndex, inboundKey, proxyGroupKey, translateGateway, translateGrpcClient, translateSidecarInbound, translateSidecarShared, type GatewayCredential, type MeshIndex, type Named, type ProxyDescriptor } from '../translate/index.ts';
import { trustDomainOf } from '../translate/security/trust-domain.ts';
import { previewChange } from './config-previewer.ts';
import { scopeKey, type GroupEntry, type MeshRuntime, type ScopeEntry } from './mesh-runtime.ts';
import { describeNode } from './node-identity.ts';
import { sdsNamesOf } from './proxy-config.ts';
import { workloadInstances } from './workload-instances.ts';

export interface RecordedProxiesOptions {
  store: Pick<ConfigStore, 'getMesh' | 'snapshot'>;
  fleet: Pick<FleetStatusStore, 'list'>;
  registry: Pick<WorkloadRegistry, 'list'>;
  /** Uploaded gateway credentials' metadata; gateways are translated as if none were uploaded without it. */
  credentials?: Pick<CredentialStore, 'list'>;
}

/** Thrown when a proxy's record carries no node metadata (its replica could not tie it to the proxy's group). */
export class UnrecordedGroupError extends Error {}

const TYPE_URLS: Record<Exclude<ProxyConfigType, 'secrets'>, [XdsTypeUrl, XdsTypeName]> = {
  clusters: [CLUSTER_TYPE_URL, 'cds'],
  listeners: [LISTENER_TYPE_URL, 'lds'],
  routes: [ROUTE_TYPE_URL, 'rds'],
  endpoints: [ENDPOINT_TYPE_URL, 'eds'],
};

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

function descriptorOf(record: ProxyStatusRecord): ProxyDescriptor | undefined {
  if (!record.metadata) return undefined;
  const described = describeNode({ id: record.proxyId, cluster: '', userAgent: '', metadata: record.metadata, raw: {} as never });
  return described.ok ? described.value.descriptor : undefined;
}

/**
 * Listeners and clusters read only which credentials exist and whether they carry client CAs; the
 * key material goes into SDS secrets, which neither proxy-config nor a preview shows. So the API
 * translates from metadata and never needs (or may read) a private key.
 */
async function credentialShapes(credentials: RecordedProxiesOptions['credentials'], tenantId: string, mesh: string, index: MeshIndex): Promise<ReadonlyMap<string, GatewayCredential>> {
  if (!credentials || index.gateways.length === 0) return new Map();
  const listed = await credentials.list(tenantId, mesh);
  return new Map(listed.map((m) => [`${m.namespace}/${m.name}`, { certificateChain: '', privateKey: '', ...(m.caCertificates > 0 ? { caCertificates: 'present' } : {}) }]));
}

/**
 * `proxy-config` and dry-run previews where the API runs apart from the xDS replicas (Lambda): the
 * proxies' groups come from their fleet status records (node metadata as the replica resolved it),
 * and translation, being pure, is run again here over the stored config and the registered
 * workloads with the very functions and encoding the replicas use. The answers are the replicas'
 * own, except that per-resource sent/acked are derived from the record's per-type versions:
 * a resource counts as sent (acked) when the type version sent (acked) is the one its group
 * translates to now, and is left out otherwise (not observable here).
 */
export class RecordedProxies implements Required<Pick<ProxyStatusSource, 'config' | 'preview'>> {
  readonly #o: RecordedProxiesOptions;

  constructor(options: RecordedProxiesOptions) {
    this.#o = options;
  }

  /** The mesh as the replicas index it at `revision` (default: head), with its registered workloads. */
  async #runtime(tenantId: string, mesh: string, records: readonly ProxyStatusRecord[], revision?: number): Promise<MeshRuntime | undefined> {
    const record = await this.#o.store.getMesh(tenantId, mesh);
    if (!record) return undefined;
    const [snapshot, workloads] = await Promise.all([this.#o.store.snapshot(tenantId, mesh, revision), this.#o.registry.list(tenantId, mesh)]);
    const trustDomain = trustDomainOf({ tenantId, mesh, settings: record.settings });
    const index = buildMeshIndex({ tenantId, mesh, revision: snapshot.revision, settings: record.settings, resources: snapshot.resources, workloads: workloadInstances(workloads, snapshot.resources, trustDomain) });
    const scopes = new Map<string, ScopeEntry>();
    const groups = new Map<string, GroupEntry>();
    for (const r of records) {
      const descriptor = descriptorOf(r);
      if (!descriptor) continue;
      const group = scopeKey(tenantId, mesh, proxyGroupKey(descriptor));
      const inbound = inboundKey(descriptor);
      const scope = inbound ? `${group}|${inbound}` : group;
      const entry = scopes.get(scope) ?? { descriptor, group: scope === group ? undefined : group, streams: 0, revision: snapshot.revision };
      entry.streams++;
      scopes.set(scope, entry);
      const g = groups.get(group) ?? { descriptor, members: 0 };
      if (entry.streams === 1) g.members++;
      groups.set(group, g);
    }
    return { tenantId, mesh, revision: snapshot.revision, settingsVersion: record.version, resources: snapshot.resources, workloads, index, scopes, groups, bases: new Map(), credentials: await credentialShapes(this.#o.credentials, tenantId, mesh, index) };
  }

  async config(tenantId: string, mesh: string, proxyId: string, types: readonly ProxyConfigType[]): Promise<ProxyConfig | undefined> {
    const record = (await this.#o.fleet.list(tenantId, mesh)).find((r) => r.proxyId === proxyId);
    if (!record) return undefined;
    const descriptor = descriptorOf(record);
    if (!descriptor) throw new UnrecordedGroupError(`Proxy "${proxyId.slice(0, 200)}" is connected, but its replica did not record its node metadata, so its config cannot be translated here; its status is in GET /v1/meshes/${mesh}/proxies.`);
    // The revision the proxy was last sent, so the answer is what it is served, not what head would give.
    const runtime = await this.#runtime(tenantId, mesh, [], record.revision);
    if (!runtime) return undefined;
    const served = this.#served(runtime, descriptor);
    const out: ProxyConfig['types'] = {};
    for (const type of types) {
      if (type === 'secrets') continue;
      const [typeUrl, xdsType] = TYPE_URLS[type];
      const entries = served.get(typeUrl) ?? [];
      const version = typeVersion(entries.map((e) => [e.name, e.version ?? ''] as const));
      const status = record.types[xdsType];
      out[type] = entries.map((e) => ({ ...e, ...(status?.sent === version ? { sent: e.version } : {}), ...(status?.acked === version ? { acked: e.version } : {}) }));
    }
    if (types.includes('secrets')) out.secrets = secretsOf(served);
    return { proxyId, ...(record.revision !== undefined ? { revision: runtime.revision } : {}), types: Object.fromEntries(types.map((t) => [t, out[t]])) };
  }

  /** The group's shared resources with the proxy's own inbound side layered on, encoded and decoded as the cache serves them. */
  #served(runtime: MeshRuntime, d: ProxyDescriptor): Map<XdsTypeUrl, ProxyConfigEntry[]> {
    const shared = d.kind === 'gateway' ? translateGateway(runtime.index, d, runtime.credentials) : d.kind === 'grpc' ? translateGrpcClient(runtime.index, d) : translateSidecarShared(runtime.index, d);
    const inbound = d.kind === 'sidecar' && d.inbound ? translateSidecarInbound(runtime.index, d) : undefined;
    const layer = (base: Named[], over: Named[] = []) => [...new Map([...base, ...over].map((n) => [n.name, n])).values()];
    const byType: [XdsTypeUrl, Named[]][] = [
      [CLUSTER_TYPE_URL, layer(shared.clusters, inbound?.clusters)],
      [ENDPOINT_TYPE_URL, shared.endpoints],
      [LISTENER_TYPE_URL, layer(shared.listeners, inbound?.listeners)],
      [ROUTE_TYPE_URL, shared.routes],
    ];
    const out = new Map<XdsTypeUrl, ProxyConfigEntry[]>();
    for (const [typeUrl, named] of byType) {
      const entries: ProxyConfigEntry[] = [];
      for (const n of named) {
        let bytes: Uint8Array;
        try {
          bytes = encodeServed(typeUrl, n.resource, n.name);
        } catch {
          // The cache does not serve a resource that fails to encode; neither is it shown here.
          continue;
        }
        entries.push({ name: n.name, version: contentVersion(bytes), resource: decodeResource(typeUrl, bytes) });
      }
      out.set(typeUrl, entries.sort(byName));
    }
    return out;
  }

  async preview(tenantId: string, mesh: string, after: readonly IstioResource[]): Promise<ConfigPreview> {
    const runtime = await this.#runtime(tenantId, mesh, await this.#o.fleet.list(tenantId, mesh));
    const preview = previewChange(runtime, after);
    // Replicas list groups in the order their proxies connected; across replicas, by group.
    return { ...preview, groups: [...preview.groups].sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0)) };
  }
}

/** Secrets' metadata only, as the replicas show it: names and the clusters and listeners that use them. */
function secretsOf(served: Map<XdsTypeUrl, ProxyConfigEntry[]>): ProxyConfigEntry[] {
  const users = new Map<string, string[]>();
  for (const [kind, typeUrl] of [['cluster', CLUSTER_TYPE_URL], ['listener', LISTENER_TYPE_URL]] as const) {
    for (const entry of served.get(typeUrl) ?? []) {
      for (const name of sdsNamesOf(entry.resource)) users.set(name, [...(users.get(name) ?? []), `${kind}/${entry.name}`]);
    }
  }
  return [...users.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, usedBy]) => ({ name, source: 'sds (workload agent)', usedBy }));
}
