import { DURATION_BOUNDS_MS } from '../../../core/signals/report-limits.ts';
import type { ServiceDelta } from '../../../core/signals/signal-report.ts';
import type { MetricFamily } from './prometheus-text.ts';

/** What the sidecar counted so far for one service and version, as a client of it. */
export interface ServiceTotals {
  host: string;
  version: string;
  requests: number;
  errors: number;
  /** Non-cumulative, one per duration bound and one above. */
  durationCounts: number[];
}

const keyOf = (host: string, version: string) => `${host} ${version}`;
const HOST = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
const VERSION = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;

/** The client-side (`reporter="source"`) totals per service and version from the sidecar's Istio metrics. */
export function serviceTotals(istio: readonly MetricFamily[]): Map<string, ServiceTotals> {
  const totals = new Map<string, ServiceTotals>();
  const at = (host: string, version: string) => {
    const key = keyOf(host, version);
    let t = totals.get(key);
    if (!t) totals.set(key, (t = { host, version, requests: 0, errors: 0, durationCounts: new Array<number>(DURATION_BOUNDS_MS.length + 1).fill(0) }));
    return t;
  };
  const cumulative = new Map<string, Map<number, number>>();
  for (const family of istio) {
    for (const s of family.samples) {
      const host = s.labels.destination_service ?? '';
      const version = s.labels.destination_version ?? 'unknown';
      if (s.labels.reporter !== 'source' || !HOST.test(host) || !VERSION.test(version)) continue;
      if (s.name === 'istio_requests_total') {
        const t = at(host, version);
        t.requests += s.value;
        if (/^5\d\d$/.test(s.labels.response_code ?? '')) t.errors += s.value;
      } else if (s.name === 'istio_request_duration_milliseconds_bucket') {
        const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
        const key = keyOf(host, version);
        if (!cumulative.has(key)) cumulative.set(key, new Map());
        cumulative.get(key)!.set(le, (cumulative.get(key)!.get(le) ?? 0) + s.value);
        at(host, version);
      }
    }
  }
  for (const [key, byLe] of cumulative) {
    const t = totals.get(key)!;
    let below = 0;
    [...DURATION_BOUNDS_MS, Infinity].forEach((bound, i) => {
      const upTo = byLe.get(bound) ?? below;
      t.durationCounts[i] = Math.max(0, upTo - below);
      below = Math.max(below, upTo);
    });
  }
  return totals;
}

/** What changed since `previous`; a total that went down (Envoy restarted) counts from zero again. */
export function deltas(previous: ReadonlyMap<string, ServiceTotals>, current: ReadonlyMap<string, ServiceTotals>): ServiceDelta[] {
  const out: ServiceDelta[] = [];
  for (const [key, now] of current) {
    const before = previous.get(key);
    const reset = before !== undefined && (now.requests < before.requests || now.durationCounts.some((c, i) => c < before.durationCounts[i]!));
    const base = before && !reset ? before : undefined;
    const requests = now.requests - (base?.requests ?? 0);
    const errors = Math.min(requests, Math.max(0, now.errors - (base?.errors ?? 0)));
    const durationCounts = now.durationCounts.map((c, i) => c - (base?.durationCounts[i] ?? 0));
    if (requests === 0 && durationCounts.every((c) => c === 0)) continue;
    out.push({ host: now.host, version: now.version, requests, errors, durationCounts });
  }
  return out;
}
