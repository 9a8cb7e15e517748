import type { WorkloadGroupSpec } from '../../core/resources/schemas/workload-group.ts';
import { groupLabels } from '../../core/resources/workload-group.ts';
import type { StoredResource } from '../api-types.ts';

const list = (v: unknown) => (Array.isArray(v) ? v.filter((x) => typeof x === 'string').join(',') : '');
const str = (v: unknown) => (typeof v === 'string' ? v : '');
const labels = (v: unknown) =>
  typeof v === 'object' && v !== null
    ? Object.entries(v)
        .map(([k, x]) => `${k}=${String(x)}`)
        .join(',')
    : '';

/** Per kind, the columns `kubectl get` shows for it (from the Istio CRDs' printer columns, roughly). */
export function summaryColumns(kind: string): { headers: string[]; cells: (r: StoredResource) => string[] } {
  switch (kind) {
    case 'VirtualService':
      return { headers: ['GATEWAYS', 'HOSTS'], cells: (r) => [list(r.spec.gateways), list(r.spec.hosts)] };
    case 'DestinationRule':
      return { headers: ['HOST', 'SUBSETS'], cells: (r) => [str(r.spec.host), Array.isArray(r.spec.subsets) ? r.spec.subsets.map((s: { name?: string }) => s.name ?? '?').join(',') : ''] };
    case 'Gateway':
      return { headers: ['SELECTOR'], cells: (r) => [labels(r.spec.selector)] };
    case 'ServiceEntry':
      return { headers: ['HOSTS', 'LOCATION', 'RESOLUTION'], cells: (r) => [list(r.spec.hosts), str(r.spec.location), str(r.spec.resolution)] };
    case 'WorkloadEntry':
      return { headers: ['ADDRESS', 'LABELS'], cells: (r) => [str(r.spec.address), labels(r.spec.labels)] };
    case 'WorkloadGroup': {
      const spec = (r: StoredResource) => r.spec as unknown as WorkloadGroupSpec;
      return { headers: ['SERVICE ACCOUNT', 'LABELS'], cells: (r) => [str(spec(r).template.serviceAccount), labels(groupLabels(spec(r)))] };
    }
    case 'PeerAuthentication':
      return { headers: ['MODE'], cells: (r) => [str((r.spec.mtls as { mode?: string } | undefined)?.mode) || 'UNSET'] };
    case 'AuthorizationPolicy':
      return { headers: ['ACTION', 'RULES'], cells: (r) => [str(r.spec.action) || 'ALLOW', String(Array.isArray(r.spec.rules) ? r.spec.rules.length : 0)] };
    default:
      return { headers: [], cells: () => [] };
  }
}
