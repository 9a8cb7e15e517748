import type { RunningEnvoy } from './envoy.ts';

type Json = Record<string, unknown>;

/** What Envoy has in force (not what it is still warming), read from its admin `/config_dump`. */
export interface ActiveConfig {
  /** Active clusters by name. */
  clusters: Map<string, Json>;
  /** Clusters Envoy is still warming (waiting for their endpoints). */
  warmingClusters: string[];
  /** Active listeners by name. */
  listeners: Map<string, Json>;
  /** Listeners Envoy is still warming (waiting for their routes). */
  warmingListeners: string[];
  /** Route configurations by name. */
  routes: Map<string, Json>;
  /** Healthy-or-not hosts Envoy uses per cluster, as `address:port`. */
  hosts: Map<string, string[]>;
}

const list = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);
const obj = (v: unknown): Json => (typeof v === 'object' && v !== null ? (v as Json) : {});

export async function activeConfig(envoy: Pick<RunningEnvoy, 'admin'>): Promise<ActiveConfig> {
  const dump = JSON.parse(await envoy.admin('/config_dump')) as { configs: Json[] };
  const of = (suffix: string) => dump.configs.find((c) => String(c['@type']).endsWith(`.${suffix}`)) ?? {};
  const clusters = of('ClustersConfigDump');
  const listeners = of('ListenersConfigDump');
  const routes = of('RoutesConfigDump');
  const hostsText = JSON.parse(await envoy.admin('/clusters?format=json')) as { cluster_statuses?: Json[] };
  const hosts = new Map<string, string[]>();
  for (const c of hostsText.cluster_statuses ?? []) {
    const addresses = list(c['host_statuses']).map((h) => {
      const a = obj(obj(h['address'])['socket_address']);
      return `${String(a['address'])}:${String(a['port_value'])}`;
    });
    hosts.set(String(c['name']), addresses.sort());
  }
  return {
    clusters: new Map(list(clusters['dynamic_active_clusters']).map((c) => [String(obj(c['cluster'])['name']), obj(c['cluster'])])),
    warmingClusters: list(clusters['dynamic_warming_clusters']).map((c) => String(obj(c['cluster'])['name'])),
    listeners: new Map(
      list(listeners['dynamic_listeners'])
        .filter((l) => l['active_state'])
        .map((l) => [String(l['name']), obj(obj(l['active_state'])['listener'])]),
    ),
    warmingListeners: list(listeners['dynamic_listeners']).filter((l) => l['warming_state']).map((l) => String(l['name'])),
    routes: new Map(list(routes['dynamic_route_configs']).map((r) => [String(obj(r['route_config'])['name']), obj(r['route_config'])])),
    hosts,
  };
}
