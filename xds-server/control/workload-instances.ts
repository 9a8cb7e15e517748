import type { RegisteredWorkload } from '../../core/registry/index.ts';
import type { IstioResource, SpecOf } from '../../core/resources/index.ts';
import { labelsMatch } from '../translate/mesh/labels-match.ts';
import { spiffeId } from '../translate/security/spiffe-matchers.ts';
import type { WorkloadInstance } from '../translate/index.ts';

type ServiceEntry = IstioResource<SpecOf['ServiceEntry']>;

interface Selecting {
  /** Position among the revision's ServiceEntries: port names are applied in that order. */
  order: number;
  selector: Readonly<Record<string, string>>;
  portNames: readonly string[];
}

/**
 * The ServiceEntries that select workloads, per namespace: filed under one key/value of their
 * selector (a workload can only match entries filed under one of its own labels), or under
 * `everything` when the selector is empty.
 */
interface SelectorIndex {
  byLabel: Map<string, Map<string, Map<string, Selecting[]>>>;
  everything: Map<string, Selecting[]>;
}

// One index per revision's resources: every reload of registrations under that revision reuses it.
const indexes = new WeakMap<readonly IstioResource[], SelectorIndex>();

function selectorIndex(resources: readonly IstioResource[]): SelectorIndex {
  let index = indexes.get(resources);
  if (index) return index;
  index = { byLabel: new Map(), everything: new Map() };
  let order = 0;
  for (const r of resources) {
    if (r.kind !== 'ServiceEntry') continue;
    const se = r as ServiceEntry;
    const selector = se.spec.workloadSelector?.labels;
    if (!selector) continue;
    const namespace = se.metadata.namespace;
    const entry: Selecting = { order: order++, selector, portNames: (se.spec.ports ?? []).map((p) => p.name) };
    const first = Object.entries(selector)[0];
    if (!first) {
      index.everything.set(namespace, [...(index.everything.get(namespace) ?? []), entry]);
      continue;
    }
    const [key, value] = first;
    const keys = index.byLabel.get(namespace) ?? new Map<string, Map<string, Selecting[]>>();
    index.byLabel.set(namespace, keys);
    const values = keys.get(key) ?? new Map<string, Selecting[]>();
    keys.set(key, values);
    values.set(value, [...(values.get(value) ?? []), entry]);
  }
  indexes.set(resources, index);
  return index;
}

/** The entries of `namespace` selecting `labels`, in the revision's order. */
function selecting(index: SelectorIndex, namespace: string, labels: Readonly<Record<string, string>>): Selecting[] {
  const out = [...(index.everything.get(namespace) ?? [])];
  const keys = index.byLabel.get(namespace);
  if (keys) {
    for (const [key, value] of Object.entries(labels)) {
      for (const entry of keys.get(key)?.get(value) ?? []) if (labelsMatch(entry.selector, labels)) out.push(entry);
    }
  }
  return out.sort((a, b) => a.order - b.order);
}

/**
 * Registered workloads as translation's endpoint candidates. A sidecar registered with its inbound
 * listener port is reached through it on every port of every ServiceEntry selecting it (local mode
 * has no traffic redirection), so the port names are read from this revision's ServiceEntries.
 * The entries are looked up by label, not scanned per workload: a reload of a mesh of thousands
 * of workloads and hundreds of ServiceEntries is not their product.
 */
export function workloadInstances(workloads: readonly RegisteredWorkload[], resources: readonly IstioResource[], trustDomain: string): WorkloadInstance[] {
  const index = selectorIndex(resources);
  // Mirrored Kubernetes Services are services (see registry-services.ts), not endpoints.
  return workloads.filter((w) => w.service === undefined).map((w) => {
    let ports: Record<string, number> = { ...w.ports };
    if (w.inboundPort !== undefined) {
      ports = {};
      for (const entry of selecting(index, w.namespace, w.labels)) for (const name of entry.portNames) ports[name] = w.inboundPort;
    }
    return {
      name: w.name,
      namespace: w.namespace,
      address: w.address,
      labels: w.labels,
      serviceAccount: w.serviceAccount,
      ports,
      ...(w.locality ? { locality: w.locality } : {}),
      ...(w.weight !== undefined ? { weight: w.weight } : {}),
      identity: w.spiffeId ?? spiffeId(trustDomain, w.namespace, w.serviceAccount),
    };
  });
}
