import type { KindName } from '../resources/kinds.ts';
import { keyOf, type IstioResource, type ResourceKey } from '../resources/resource.ts';
import type { SpecOf } from '../resources/schemas/spec-schemas.ts';
import { hostCandidates, hostsOverlap } from './hosts.ts';
import { selects } from './labels.ts';

/** Marks WorkloadEntries the control plane wrote for connected sidecars (see xds-server auto-registration). */
export const AUTO_REGISTERED_LABEL = 'trellis.dev/auto-registered';

export type Typed<K extends KindName> = IstioResource<SpecOf[K]> & { kind: K };

/** A workload as config describes it: a WorkloadEntry or a ServiceEntry's inline endpoint. */
export interface Workload {
  key: ResourceKey;
  /** Where it is declared inside `key`'s resource (`spec` or `spec.endpoints[i]`). */
  path: string;
  namespace: string;
  labels: Readonly<Record<string, string>>;
  serviceAccount?: string;
  /** Written by the control plane for a connected sidecar: it speaks mesh mTLS. */
  sidecar: boolean;
}

/** One host of one ServiceEntry. */
export interface Service {
  host: string;
  entry: Typed<'ServiceEntry'>;
  namespace: string;
}

/** Indexes over a whole mesh's config, built once per analysis. */
export class MeshView {
  readonly workloads: readonly Workload[];
  readonly services: readonly Service[];
  private readonly byKind = new Map<KindName, IstioResource[]>();
  private readonly serviceHosts: ReadonlySet<string>;

  constructor(readonly resources: readonly IstioResource[]) {
    for (const r of resources) {
      const list = this.byKind.get(r.kind) ?? [];
      list.push(r);
      this.byKind.set(r.kind, list);
    }
    this.services = this.of('ServiceEntry').flatMap((entry) => entry.spec.hosts.map((host) => ({ host: host.toLowerCase(), entry, namespace: entry.metadata.namespace })));
    this.serviceHosts = new Set(this.services.map((s) => s.host));
    this.workloads = [...this.of('WorkloadEntry').map(workloadEntry), ...this.of('ServiceEntry').flatMap(inlineEndpoints)];
  }

  of<K extends KindName>(kind: K): Typed<K>[] {
    return (this.byKind.get(kind) ?? []) as Typed<K>[];
  }

  /** A host as written in `namespace`, resolved the way translation resolves it (short names to FQDNs). */
  qualify(host: string, namespace: string): string {
    const candidates = hostCandidates(host, namespace);
    return candidates.find((c) => this.serviceHosts.has(c)) ?? candidates[candidates.length - 1]!;
  }

  /** Services a host written in `namespace` may reach. */
  servicesFor(host: string, namespace: string): Service[] {
    const qualified = this.qualify(host, namespace);
    return this.services.filter((s) => hostsOverlap(s.host, qualified));
  }

  /** DestinationRules whose host covers a host written in `namespace`. */
  destinationRulesFor(host: string, namespace: string): Typed<'DestinationRule'>[] {
    const qualified = this.qualify(host, namespace);
    return this.of('DestinationRule').filter((dr) => hostsOverlap(this.qualify(dr.spec.host, dr.metadata.namespace), qualified));
  }

  /** The workloads behind a service: its inline endpoints and the WorkloadEntries its selector picks. */
  endpointsOf(service: Service): Workload[] {
    const entryKey = keyOf(service.entry);
    const selector = service.entry.spec.workloadSelector?.labels;
    return this.workloads.filter((w) => {
      if (w.key.kind === 'ServiceEntry') return w.key.namespace === entryKey.namespace && w.key.name === entryKey.name;
      return selector !== undefined && w.namespace === service.namespace && selects(selector, w.labels);
    });
  }

  /**
   * Whether traffic to the service reaches something without endpoints being listed: DNS
   * resolution uses the host itself, NONE without a selector passes through to the original address.
   */
  resolvesWithoutEndpoints(service: Service): boolean {
    const resolution = service.entry.spec.resolution ?? 'NONE';
    if (resolution === 'DNS' || resolution === 'DNS_ROUND_ROBIN' || resolution === 'DYNAMIC_DNS') return (service.entry.spec.endpoints ?? []).length === 0;
    return resolution === 'NONE' && !service.entry.spec.workloadSelector && !service.entry.spec.endpoints;
  }

  /** Workloads in `namespace` that a `matchLabels` selector picks (all of them without one). */
  selected(namespace: string, matchLabels: Readonly<Record<string, string>> | undefined): Workload[] {
    return this.workloads.filter((w) => w.namespace === namespace && selects(matchLabels, w.labels));
  }
}

function workloadEntry(we: Typed<'WorkloadEntry'>): Workload {
  return {
    key: keyOf(we),
    path: 'spec',
    namespace: we.metadata.namespace,
    labels: we.spec.labels ?? {},
    ...(we.spec.serviceAccount ? { serviceAccount: we.spec.serviceAccount } : {}),
    sidecar: we.metadata.labels?.[AUTO_REGISTERED_LABEL] === 'true',
  };
}

function inlineEndpoints(se: Typed<'ServiceEntry'>): Workload[] {
  return (se.spec.endpoints ?? []).map((e, i) => ({
    key: keyOf(se),
    path: `spec.endpoints[${i}]`,
    namespace: se.metadata.namespace,
    labels: e.labels ?? {},
    ...(e.serviceAccount ? { serviceAccount: e.serviceAccount } : {}),
    sidecar: false,
  }));
}
