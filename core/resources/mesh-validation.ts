import type { FieldError } from '../result.ts';
import type { IstioResource } from './resource.ts';

interface SubsetSeen {
  owner: string;
  index: number;
  labels: string;
}

/**
 * Checks that span resources, over a whole mesh (stored config plus incoming changes).
 * One pass with hash maps: linear in the number of resources and subsets.
 */
export function validateMeshConfig(resources: readonly IstioResource[]): FieldError[] {
  const errors: FieldError[] = [];
  const subsets = new Map<string, SubsetSeen>();
  const selectorlessSidecars = new Map<string, string>();

  for (const r of resources) {
    const id = `${r.kind}/${r.metadata.namespace}/${r.metadata.name}`;
    if (r.kind === 'DestinationRule') checkSubsets(r, id, subsets, errors);
    if (r.kind === 'Sidecar' && !hasSelector(r.spec.workloadSelector)) {
      const other = selectorlessSidecars.get(r.metadata.namespace);
      if (other === undefined) selectorlessSidecars.set(r.metadata.namespace, id);
      else errors.push({ path: `${id}: spec.workloadSelector`, message: `namespace "${r.metadata.namespace}" already has a Sidecar without a workloadSelector (${other}); only one is allowed` });
    }
  }
  return errors;
}

function checkSubsets(r: IstioResource, id: string, seen: Map<string, SubsetSeen>, errors: FieldError[]): void {
  const spec = r.spec as { host?: unknown; subsets?: { name?: unknown; labels?: Record<string, string> }[]; exportTo?: string[] };
  if (typeof spec.host !== 'string' || !Array.isArray(spec.subsets)) return;
  const scope = `${qualifyHost(spec.host, r.metadata.namespace)}|${r.metadata.namespace}|${visibility(spec.exportTo, r.metadata.namespace)}`;
  spec.subsets.forEach((subset, index) => {
    if (typeof subset?.name !== 'string') return;
    const key = `${scope}|${subset.name}`;
    const labels = canonicalLabels(subset.labels);
    const earlier = seen.get(key);
    if (earlier === undefined) {
      seen.set(key, { owner: id, index, labels });
    } else if (earlier.labels !== labels && earlier.owner !== id) {
      errors.push({
        path: `${id}: spec.subsets[${index}].labels`,
        message: `subset "${subset.name}" of host ${spec.host} is also defined by ${earlier.owner} (spec.subsets[${earlier.index}]) with different labels`,
      });
    }
  });
}

/** Short names resolve in the resource's own namespace, as Istio does for Kubernetes services. */
function qualifyHost(host: string, namespace: string): string {
  const lower = host.toLowerCase();
  return lower.includes('.') ? lower : `${lower}.${namespace}.svc.cluster.local`;
}

function visibility(exportTo: string[] | undefined, namespace: string): string {
  if (!exportTo || exportTo.length === 0) return '*';
  return [...new Set(exportTo.map((e) => (e === '.' ? namespace : e)))].sort().join(',');
}

function canonicalLabels(labels: Record<string, string> | undefined): string {
  return JSON.stringify(Object.entries(labels ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function hasSelector(selector: unknown): boolean {
  const labels = (selector as { labels?: Record<string, string> } | undefined)?.labels;
  return labels !== undefined && Object.keys(labels).length > 0;
}
