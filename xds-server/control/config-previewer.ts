import type { ConfigPreview, ProxyGroupPreview, ResourceChange } from '../../core/proxies/config-preview.ts';
import type { XdsTypeName } from '../../core/proxies/proxy-status.ts';
import type { IstioResource } from '../../core/resources/resource.ts';
import { canonicalJson } from '../../core/store/resource-content.ts';
import { buildMeshIndex, translateGrpcClient, translateSidecar, type MeshIndex, type Named, type ProxyDescriptor, type TranslationResult } from '../translate/index.ts';
import type { MeshRuntime } from './mesh-runtime.ts';
import { workloadInstances } from './workload-instances.ts';
import { trustDomainOf } from '../translate/security/trust-domain.ts';
import { resourceDiff } from './resource-diff.ts';

const TYPES: [XdsTypeName, keyof Pick<TranslationResult, 'clusters' | 'endpoints' | 'listeners' | 'routes'>][] = [
  ['cds', 'clusters'],
  ['eds', 'endpoints'],
  ['lds', 'listeners'],
  ['rds', 'routes'],
];

function translate(index: MeshIndex, d: ProxyDescriptor): TranslationResult {
  return d.kind === 'grpc' ? translateGrpcClient(index, d) : translateSidecar(index, d);
}

function compare(before: Named[], after: Named[], type: XdsTypeName): ResourceChange[] {
  const old = new Map(before.map((n) => [n.name, n.resource]));
  const changes: ResourceChange[] = [];
  for (const n of after) {
    const prev = old.get(n.name);
    old.delete(n.name);
    if (prev === undefined) changes.push({ type, name: n.name, action: 'added' });
    else if (canonicalJson(prev) !== canonicalJson(n.resource)) changes.push({ type, name: n.name, action: 'changed', diff: resourceDiff(prev, n.resource) });
  }
  for (const name of old.keys()) changes.push({ type, name, action: 'removed' });
  return changes;
}

/**
 * What a change would do to every proxy group connected for the mesh: translated by the same
 * functions that serve the proxies, from the index of the mesh now and of the mesh after (with
 * the same registered workloads). Per group, one member stands for all (their inbound sides differ
 * only in address and app port).
 */
export function previewChange(runtime: MeshRuntime | undefined, after: readonly IstioResource[]): ConfigPreview {
  if (!runtime || runtime.scopes.size === 0) return { proxiesAffected: 0, groups: [] };
  const trustDomain = trustDomainOf(runtime.index);
  const next = buildMeshIndex({
    tenantId: runtime.tenantId,
    mesh: runtime.mesh,
    revision: runtime.revision + 1,
    settings: runtime.index.settings,
    resources: after,
    workloads: workloadInstances(runtime.workloads, after, trustDomain),
    previous: runtime.index,
  });
  const streams = new Map<string, number>();
  for (const [scope, entry] of runtime.scopes) streams.set(entry.group ?? scope, (streams.get(entry.group ?? scope) ?? 0) + entry.streams);
  const groups: ProxyGroupPreview[] = [];
  for (const [group, entry] of runtime.groups) {
    const now = translate(runtime.index, entry.descriptor);
    const then = translate(next, entry.descriptor);
    const changes = TYPES.flatMap(([type, key]) => compare(now[key], then[key], type));
    if (changes.length === 0) continue;
    groups.push({ group: group.slice(group.indexOf('/', group.indexOf('/') + 1) + 1), kind: entry.descriptor.kind, namespace: entry.descriptor.namespace, proxies: streams.get(group) ?? 0, changes });
  }
  return { proxiesAffected: groups.reduce((n, g) => n + g.proxies, 0), groups };
}
