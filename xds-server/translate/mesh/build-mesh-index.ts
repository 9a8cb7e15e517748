import { createHash } from 'node:crypto';
import type { IstioResource, KindName, SpecOf } from '../../../core/resources/index.ts';
import type { TranslationIssue } from '../translation-result.ts';
import type { WorkloadInstance } from '../workload-instance.ts';
import { delegateKey, delegatesOf } from './delegates.ts';
import { resolveHost } from './host-names.ts';
import type { DestinationRuleEntry, MeshIndex, MeshService, MeshSettings, VirtualServiceEntry } from './mesh-model.ts';
import { servicesOf, type EndpointWorkload } from './service-registry.ts';
import { WorkloadLookup } from './workload-lookup.ts';

export interface MeshIndexInput {
  tenantId: string;
  mesh: string;
  revision: number;
  settings: MeshSettings;
  resources: readonly IstioResource[];
  workloads: readonly WorkloadInstance[];
  /** The index of an earlier revision: unchanged services reuse its translated pieces. */
  previous?: MeshIndex;
}

const sourceOf = (r: IstioResource) => `${r.kind}/${r.metadata.namespace}/${r.metadata.name}`;

function ofKind<K extends KindName>(resources: readonly IstioResource[], kind: K): { source: string; namespace: string; spec: SpecOf[K] }[] {
  return resources
    .filter((r) => r.kind === kind)
    .map((r) => ({ source: sourceOf(r), namespace: r.metadata.namespace, spec: r.spec as SpecOf[K] }))
    .sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function append<V>(map: Map<string, V[]>, key: string, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

const WILDCARD_UNMATCHED = 'a wildcard host is translated only when a ServiceEntry lists the same wildcard';

/** Indexes one mesh revision (O(resources + workloads)); every proxy of the mesh is translated from it. */
export function buildMeshIndex(input: MeshIndexInput): MeshIndex {
  const issues: TranslationIssue[] = [];
  const workloads = new WorkloadLookup<EndpointWorkload>();
  for (const we of ofKind(input.resources, 'WorkloadEntry')) {
    workloads.add({ source: we.source, namespace: we.namespace, labels: we.spec.labels ?? {}, address: we.spec.address, ports: we.spec.ports ?? {}, locality: we.spec.locality, weight: we.spec.weight, serviceAccount: we.spec.serviceAccount });
  }
  const instances = [...input.workloads].sort((a, b) => (`${a.namespace}/${a.name}` < `${b.namespace}/${b.name}` ? -1 : 1));
  for (const w of instances) {
    workloads.add({ source: `WorkloadInstance/${w.namespace}/${w.name}`, namespace: w.namespace, labels: w.labels, address: w.address, ports: w.ports, locality: w.locality, weight: w.weight, serviceAccount: w.serviceAccount, identity: w.identity });
  }

  const found = new Map<string, MeshService>();
  for (const entry of ofKind(input.resources, 'ServiceEntry')) {
    try {
      for (const service of servicesOf(entry, workloads, issues)) {
        const taken = found.get(service.host);
        if (taken) {
          issues.push({ resource: entry.source, field: 'spec.hosts', message: `host ${service.host} is already defined by ${taken.source}; ignored here` });
          continue;
        }
        found.set(service.host, service);
      }
    } catch (err) {
      issues.push({ resource: entry.source, field: 'spec', message: `skipped: ${errorMessage(err)}` });
    }
  }
  const services = new Map([...found.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const known = (host: string) => services.has(host);

  const destinationRules = new Map<string, DestinationRuleEntry[]>();
  for (const dr of ofKind(input.resources, 'DestinationRule')) {
    // A wildcard applies when a ServiceEntry lists that very wildcard (an egress entry); covering several services is not translated.
    if (dr.spec.host.includes('*') && !known(dr.spec.host)) {
      issues.push({ resource: dr.source, field: 'spec.host', message: `${WILDCARD_UNMATCHED}; ignored` });
      continue;
    }
    append(destinationRules, resolveHost(dr.spec.host, dr.namespace, known), dr);
  }

  const virtualServices = new Map<string, VirtualServiceEntry[]>();
  const delegates = new Map<string, VirtualServiceEntry>();
  const gatewayVirtualServices: VirtualServiceEntry[] = [];
  for (const vs of ofKind(input.resources, 'VirtualService')) {
    if (!vs.spec.hosts?.length) delegates.set(delegateKey(vs.namespace, vs.source.split('/')[2] ?? ''), vs);
    const gateways = vs.spec.gateways;
    if (gateways?.some((g) => g !== 'mesh')) gatewayVirtualServices.push(vs);
    // A VirtualService bound to gateways applies to sidecars only when it names `mesh`.
    if (gateways && gateways.length > 0 && !gateways.includes('mesh')) continue;
    (vs.spec.hosts ?? []).forEach((host, i) => {
      if (host.includes('*') && !known(host)) {
        issues.push({ resource: vs.source, field: `spec.hosts[${i}]`, message: `${WILDCARD_UNMATCHED}; ignored` });
        return;
      }
      append(virtualServices, resolveHost(host, vs.namespace, known), vs);
    });
  }

  const fingerprints = new Map<string, string>();
  const routeFingerprints = new Map<string, string>();
  for (const [host, service] of services) {
    const roots = virtualServices.get(host) ?? [];
    const { endpoints, ...routed } = service;
    // Routes never read endpoints: a workload coming or going rebuilds the host's clusters, not its routes.
    const routeInputs = JSON.stringify([routed, destinationRules.get(host) ?? [], roots, delegatesOf(delegates, roots)]);
    const routeFingerprint = createHash('sha256').update(routeInputs).digest('base64url').slice(0, 22);
    routeFingerprints.set(host, routeFingerprint);
    fingerprints.set(host, createHash('sha256').update(routeFingerprint).update(JSON.stringify(endpoints)).digest('base64url').slice(0, 22));
  }

  return {
    tenantId: input.tenantId,
    mesh: input.mesh,
    revision: input.revision,
    settings: input.settings,
    services,
    destinationRules,
    virtualServices,
    security: {
      peerAuthentications: ofKind(input.resources, 'PeerAuthentication'),
      authorizationPolicies: ofKind(input.resources, 'AuthorizationPolicy'),
      requestAuthentications: ofKind(input.resources, 'RequestAuthentication'),
    },
    delegates,
    sidecars: ofKind(input.resources, 'Sidecar'),
    gateways: ofKind(input.resources, 'Gateway').map((g) => ({ ...g, name: g.source.split('/')[2] ?? '' })),
    telemetries: ofKind(input.resources, 'Telemetry'),
    gatewayVirtualServices,
    fingerprints,
    routeFingerprints,
    issues,
    memo: new Map(),
    previousMemo: input.previous?.memo,
  };
}
