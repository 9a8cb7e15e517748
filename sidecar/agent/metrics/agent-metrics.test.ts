import { describe, expect, it } from 'vitest';
import { agentMetrics, type AgentFacts } from './agent-metrics.ts';
import { parsePrometheusText, type MetricFamily } from './prometheus-text.ts';

function families(text: string): Map<string, MetricFamily> {
  const parsed = parsePrometheusText(text);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return new Map(parsed.value.map((f) => [f.name, f]));
}

const values = (f: MetricFamily | undefined) => f?.samples.map((s) => ({ labels: s.labels, value: s.value }));

describe('the agent\'s own metrics (trellis_agent_*)', () => {
  it('before the first certificate: expiry 0, no CA series, counters at 0, in valid text', () => {
    const text = agentMetrics(() => ({ envoyRestarts: 0, renewals: 0, failures: 0 })).text();

    const got = families(text);

    expect([...got.keys()]).toEqual([
      'trellis_agent_certificate_expiry_timestamp_seconds',
      'trellis_agent_envoy_restarts_total',
      'trellis_agent_certificate_renewals_total',
      'trellis_agent_certificate_request_failures_total',
      'trellis_agent_metrics_scrape_errors_total',
    ]);
    expect(got.get('trellis_agent_certificate_expiry_timestamp_seconds')?.type).toBe('gauge');
    expect(values(got.get('trellis_agent_certificate_expiry_timestamp_seconds'))).toEqual([{ labels: {}, value: 0 }]);
    expect(got.get('trellis_agent_envoy_restarts_total')?.type).toBe('counter');
    expect(values(got.get('trellis_agent_metrics_scrape_errors_total'))).toEqual([{ labels: { source: 'envoy' }, value: 0 }, { labels: { source: 'app' }, value: 0 }]);
  });

  it('reads the agent at each scrape: certificate and CA expiries, restarts, renewals, failures, scrape errors', () => {
    let facts: AgentFacts = {
      certificateNotAfter: new Date('2026-12-06T10:00:00.900Z'),
      caCertificates: [
        { role: 'root', subject: 'O=Trellis, CN=root "A"', serial: '01', notAfter: new Date('2036-01-01T00:00:00Z') },
        { role: 'root', subject: 'O=Trellis, CN=root "A"', serial: '01', notAfter: new Date('2036-01-01T00:00:00Z') },
        { role: 'intermediate', subject: 'CN=intermediate\\1', serial: '0A', notAfter: new Date('2030-01-01T00:00:00Z') },
      ],
      envoyRestarts: 2,
      renewals: 5,
      failures: 1,
    };
    const metrics = agentMetrics(() => facts);
    metrics.scrapeFailed('app');
    metrics.scrapeFailed('app');
    metrics.scrapeFailed('envoy');

    const got = families(metrics.text());

    expect(values(got.get('trellis_agent_certificate_expiry_timestamp_seconds'))).toEqual([{ labels: {}, value: Date.parse('2026-12-06T10:00:00Z') / 1000 }]);
    expect(values(got.get('trellis_agent_ca_certificate_expiry_timestamp_seconds'))).toEqual([
      { labels: { role: 'root', subject: 'O=Trellis, CN=root "A"', serial: '01' }, value: Date.parse('2036-01-01T00:00:00Z') / 1000 },
      { labels: { role: 'intermediate', subject: 'CN=intermediate\\1', serial: '0A' }, value: Date.parse('2030-01-01T00:00:00Z') / 1000 },
    ]);
    expect(values(got.get('trellis_agent_envoy_restarts_total'))).toEqual([{ labels: {}, value: 2 }]);
    expect(values(got.get('trellis_agent_certificate_renewals_total'))).toEqual([{ labels: {}, value: 5 }]);
    expect(values(got.get('trellis_agent_certificate_request_failures_total'))).toEqual([{ labels: {}, value: 1 }]);
    expect(values(got.get('trellis_agent_metrics_scrape_errors_total'))).toEqual([{ labels: { source: 'envoy' }, value: 1 }, { labels: { source: 'app' }, value: 2 }]);

    facts = { ...facts, caCertificates: [], renewals: 6 };
    const later = families(metrics.text());
    expect(later.has('trellis_agent_ca_certificate_expiry_timestamp_seconds')).toBe(false);
    expect(values(later.get('trellis_agent_certificate_renewals_total'))).toEqual([{ labels: {}, value: 6 }]);
  });
});
