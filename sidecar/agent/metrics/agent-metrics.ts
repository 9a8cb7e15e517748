import type { CaCertificate } from './ca-certificates.ts';
import { formatFamily, type SeriesValue } from './prometheus-writer.ts';

/** What the agent knows about itself at scrape time. */
export interface AgentFacts {
  certificateNotAfter?: Date;
  /** The roots of the trust bundle and the intermediates of the chain the agent holds. */
  caCertificates?: readonly CaCertificate[];
  envoyRestarts: number;
  renewals: number;
  failures: number;
}

export type ScrapeSource = 'envoy' | 'app';

export interface AgentMetrics {
  /** The agent's own families (`trellis_agent_*`) in the Prometheus text format, read from the agent now. */
  text(): string;
  /** Counts a scrape of Envoy or the app that failed or returned text that does not parse. */
  scrapeFailed(source: ScrapeSource): void;
}

const seconds = (d: Date) => Math.floor(d.getTime() / 1000);

/** One series per label set: a certificate listed twice is one series, as a gauge set twice is. */
function caSeries(certificates: readonly CaCertificate[]): SeriesValue[] {
  const byLabels = new Map<string, SeriesValue>();
  for (const c of certificates) {
    const labels = { role: c.role, subject: c.subject, serial: c.serial };
    byLabels.set(JSON.stringify(labels), { labels, value: seconds(c.notAfter) });
  }
  return [...byLabels.values()];
}

/**
 * The agent's own metrics, written with the writer of its Istio metrics: a handful of values the
 * agent already holds, for which a metrics library would stay in each agent's memory (~2 MiB of RSS).
 */
export function agentMetrics(read: () => AgentFacts): AgentMetrics {
  const scrapeErrors: Record<ScrapeSource, number> = { envoy: 0, app: 0 };
  const counter = (name: string, help: string, value: number) => formatFamily(name, 'counter', help, [{ labels: {}, value }]);
  return {
    scrapeFailed: (source) => void scrapeErrors[source]++,
    text() {
      const f = read();
      return [
        formatFamily('trellis_agent_certificate_expiry_timestamp_seconds', 'gauge', 'When the workload certificate expires (Unix seconds); 0 before the first certificate.', [
          { labels: {}, value: f.certificateNotAfter ? seconds(f.certificateNotAfter) : 0 },
        ]),
        // Rebuilt at each scrape: a root that left the bundle leaves the scrape too.
        formatFamily('trellis_agent_ca_certificate_expiry_timestamp_seconds', 'gauge', 'When each CA certificate the workload trusts or chains to expires (Unix seconds), by role (root or intermediate), subject and serial.', caSeries(f.caCertificates ?? [])),
        counter('trellis_agent_envoy_restarts_total', 'Times the agent restarted Envoy after it exited.', f.envoyRestarts),
        counter('trellis_agent_certificate_renewals_total', 'Workload certificates renewed.', f.renewals),
        counter('trellis_agent_certificate_request_failures_total', 'Certificate requests that failed (retried with backoff).', f.failures),
        formatFamily('trellis_agent_metrics_scrape_errors_total', 'counter', 'Scrapes of Envoy or the app that failed or did not parse.', [
          { labels: { source: 'envoy' }, value: scrapeErrors.envoy },
          { labels: { source: 'app' }, value: scrapeErrors.app },
        ]),
      ].join('');
    },
  };
}
