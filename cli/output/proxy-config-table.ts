import type { ProxyConfigEntry, ProxyConfigType } from '../../core/proxies/proxy-config.ts';
import { renderTable } from './table.ts';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null ? (v as Obj) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function socketAddress(v: unknown): string {
  const sa = obj(obj(v).socket_address);
  return sa.address !== undefined ? `${String(sa.address)}:${String(sa.port_value ?? '')}` : '-';
}

/** A protobuf UInt32Value: `{ value: n }` as Trellis serves it, or a bare number in canonical proto JSON. */
function wrappedNumber(v: unknown, absent: string): string {
  const n = typeof v === 'object' && v !== null ? (v as Obj).value : v;
  return typeof n === 'number' || typeof n === 'string' ? String(n) : absent;
}

/** Per type, the columns `istioctl proxy-config` shows. */
const VIEWS: Record<ProxyConfigType, { headers: string[]; rows: (e: ProxyConfigEntry) => string[][] }> = {
  clusters: {
    headers: ['NAME', 'TYPE', 'VERSION'],
    rows: (e) => [[e.name, String(e.resource?.type ?? (e.resource?.cluster_type ? 'CUSTOM' : 'EDS')), e.version ?? '-']],
  },
  listeners: {
    headers: ['NAME', 'ADDRESS', 'FILTER CHAINS', 'VERSION'],
    rows: (e) => [[e.name, socketAddress(e.resource?.address), String(arr(e.resource?.filter_chains).length), e.version ?? '-']],
  },
  routes: {
    headers: ['NAME', 'VIRTUAL HOSTS', 'DOMAINS', 'VERSION'],
    rows: (e) => {
      const hosts = arr(e.resource?.virtual_hosts);
      const domains = hosts.flatMap((h) => arr(obj(h).domains).map(String));
      return [[e.name, String(hosts.length), domains.slice(0, 4).join(',') + (domains.length > 4 ? ` +${domains.length - 4}` : ''), e.version ?? '-']];
    },
  },
  endpoints: {
    // The EDS health_status Trellis sent, not Envoy's verdict: `--from-envoy` reads that from Envoy.
    headers: ['CLUSTER', 'ENDPOINT', 'HEALTH (SENT)', 'WEIGHT'],
    rows: (e) => {
      const rows = arr(e.resource?.endpoints).flatMap((locality) =>
        arr(obj(locality).lb_endpoints).map((lb) => [e.name, socketAddress(obj(obj(lb).endpoint).address), String(obj(lb).health_status ?? 'UNKNOWN'), wrappedNumber(obj(lb).load_balancing_weight, '1')]),
      );
      return rows.length ? rows : [[e.name, '<none>', '-', '-']];
    },
  },
  secrets: {
    headers: ['NAME', 'SOURCE', 'USED BY'],
    rows: (e) => [[e.name, e.source ?? '-', (e.usedBy ?? []).join(',')]],
  },
};

/** One section per type, each a table (endpoints: one row per endpoint). */
export function proxyConfigTables(types: Partial<Record<ProxyConfigType, ProxyConfigEntry[]>>, headings: boolean): string {
  return (Object.entries(types) as [ProxyConfigType, ProxyConfigEntry[]][])
    .map(([type, entries]) => {
      const view = VIEWS[type];
      const body = entries.length ? renderTable(view.headers, entries.flatMap(view.rows)) : `no ${type}\n`;
      return (headings ? `${type.toUpperCase()}\n` : '') + body;
    })
    .join('\n');
}
