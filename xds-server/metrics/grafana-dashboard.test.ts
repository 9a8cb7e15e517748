import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createMetricsRegistry } from './registry.ts';
import { XdsMetrics } from './xds-metrics.ts';
import { countingCertificateAuthority } from './certificate-metrics.ts';
import type { CertificateAuthority } from '../../core/ca/certificate-authority.ts';

const dashboard = JSON.parse(readFileSync(new URL('../../docs/grafana/trellis-dashboard.json', import.meta.url), 'utf8')) as {
  panels: { title: string; targets: { expr: string }[] }[];
  templating: { list: { query?: string }[] };
};

// Histograms expose _bucket, _sum and _count series under one registered name.
const SERIES_SUFFIXES = ['_bucket', '_sum', '_count'];
const PROMQL_WORDS = new Set(['sum', 'by', 'rate', 'increase', 'histogram_quantile', 'le', 'type', 'stream', 'instance', 'job', 'label_values', 'without', 'avg', 'max']);

function metricNames(expr: string): string[] {
  const withoutStrings = expr.replace(/"[^"]*"/g, '""').replace(/\{[^}]*\}/g, '{}').replace(/\[[^\]]*\]/g, '[]');
  return [...withoutStrings.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)].map((m) => m[0]).filter((w) => !PROMQL_WORDS.has(w) && !/^\d/.test(w) && w !== 'e9');
}

describe('docs/grafana/trellis-dashboard.json', () => {
  it('references only metrics the servers register', async () => {
    const registry = createMetricsRegistry();
    new XdsMetrics(registry);
    countingCertificateAuthority({} as CertificateAuthority, registry);
    const registered = new Set((await registry.getMetricsAsJSON()).map((m) => m.name));
    const known = (name: string) => registered.has(name) || SERIES_SUFFIXES.some((s) => name.endsWith(s) && registered.has(name.slice(0, -s.length)));

    const exprs = [...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)), ...dashboard.templating.list.flatMap((v) => (v.query?.startsWith('label_values') ? [v.query] : []))];
    expect(exprs.length).toBeGreaterThan(10);
    const names = exprs.flatMap(metricNames);
    expect(names.filter((n) => !known(n))).toEqual([]);
    for (const wanted of ['trellis_xds_connected_proxies', 'trellis_xds_pushes_total', 'trellis_xds_push_bytes_bucket', 'trellis_xds_nacks_total', 'trellis_proxy_convergence_seconds_bucket', 'trellis_certificates_issued_total']) {
      expect(names).toContain(wanted);
    }
  });
});
