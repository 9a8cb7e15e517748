import { renderTable } from './table.ts';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null ? (v as Obj) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** One upstream host as the local Envoy sees it (admin `/clusters?format=json`). */
export interface EnvoyEndpoint {
  cluster: string;
  endpoint: string;
  /** Envoy's own verdict: the control plane's EDS status unless a check of Envoy's failed it. */
  health: string;
  weight: number;
  requests: { success: number; error: number; active: number };
}

/** Envoy's host health flags, as `/clusters` names them, and what each means. */
const FAILURES: [string, string][] = [
  ['failed_active_health_check', 'active health check'],
  ['failed_outlier_check', 'outlier detection'],
  ['failed_eds_health', 'EDS'],
  ['pending_dynamic_removal', 'being removed'],
  ['pending_active_hc', 'awaiting first health check'],
  ['excluded_via_immediate_hc_fail', 'immediate health check failure'],
  ['active_hc_timeout', 'health check timeout'],
];

function health(status: Obj): string {
  const failed = FAILURES.filter(([flag]) => status[flag] === true).map(([, why]) => why);
  if (failed.length) return `UNHEALTHY (${failed.join(', ')})`;
  if (status.failed_active_degraded_check === true) return 'DEGRADED (active health check)';
  return typeof status.eds_health_status === 'string' ? status.eds_health_status : 'HEALTHY';
}

const stat = (stats: unknown[], name: string): number => Number(obj(stats.find((s) => obj(s).name === name)).value ?? 0);

/** Endpoints of Envoy's `/clusters?format=json`, optionally only the clusters whose name contains `filter`. */
export function envoyEndpoints(clustersJson: unknown, filter?: string): EnvoyEndpoint[] {
  return arr(obj(clustersJson).cluster_statuses)
    .map(obj)
    .filter((c) => typeof c.name === 'string' && (!filter || c.name.includes(filter)))
    .flatMap((c) =>
      arr(c.host_statuses).map(obj).map((h) => {
        const sa = obj(obj(h.address).socket_address);
        const stats = arr(h.stats);
        return {
          cluster: String(c.name),
          endpoint: sa.address !== undefined ? `${String(sa.address)}:${String(sa.port_value ?? '')}` : obj(obj(h.address).pipe).path !== undefined ? `unix:${String(obj(obj(h.address).pipe).path)}` : '-',
          health: health(obj(h.health_status)),
          weight: typeof h.weight === 'number' ? h.weight : 1,
          requests: { success: stat(stats, 'rq_success'), error: stat(stats, 'rq_error'), active: stat(stats, 'rq_active') },
        };
      }),
    );
}

export function envoyEndpointsTable(endpoints: readonly EnvoyEndpoint[]): string {
  if (endpoints.length === 0) return 'no endpoints\n';
  return renderTable(
    ['CLUSTER', 'ENDPOINT', 'HEALTH (ENVOY)', 'WEIGHT', 'RQ OK', 'RQ ERROR', 'RQ ACTIVE'],
    endpoints.map((e) => [e.cluster, e.endpoint, e.health, String(e.weight), String(e.requests.success), String(e.requests.error), String(e.requests.active)]),
  );
}
