import { Counter, Gauge, Registry } from 'prom-client';
import type { CaCertificate } from './ca-certificates.ts';

/** What the agent knows about itself at scrape time. */
export interface AgentFacts {
  certificateNotAfter?: Date;
  /** The roots of the trust bundle and the intermediates of the chain the agent holds. */
  caCertificates?: readonly CaCertificate[];
  envoyRestarts: number;
  renewals: number;
  failures: number;
}

export interface AgentMetrics {
  registry: Registry;
  /** Scrapes of Envoy or the app that failed or returned text that does not parse. */
  scrapeErrors: Counter<'source'>;
}

/** The agent's own metrics (`trellis_agent_*`), read from the agent when scraped; a registry of its own, not prom-client's global one. */
export function agentMetrics(read: () => AgentFacts): AgentMetrics {
  const registry = new Registry();
  new Gauge({
    name: 'trellis_agent_certificate_expiry_timestamp_seconds',
    help: 'When the workload certificate expires (Unix seconds); 0 before the first certificate.',
    registers: [registry],
    collect() {
      const notAfter = read().certificateNotAfter;
      this.set(notAfter ? Math.floor(notAfter.getTime() / 1000) : 0);
    },
  });
  new Gauge({
    name: 'trellis_agent_ca_certificate_expiry_timestamp_seconds',
    help: 'When each CA certificate the workload trusts or chains to expires (Unix seconds), by role (root or intermediate), subject and serial.',
    labelNames: ['role', 'subject', 'serial'] as const,
    registers: [registry],
    collect() {
      // Rebuilt at each scrape: a root that left the bundle leaves the scrape too.
      this.reset();
      for (const c of read().caCertificates ?? []) this.set({ role: c.role, subject: c.subject, serial: c.serial }, Math.floor(c.notAfter.getTime() / 1000));
    },
  });
  // A counter's value is the agent's own count: reset and set at each scrape.
  const mirrored = (name: string, help: string, value: (f: AgentFacts) => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(value(read()));
      },
    });
  mirrored('trellis_agent_envoy_restarts_total', 'Times the agent restarted Envoy after it exited.', (f) => f.envoyRestarts);
  mirrored('trellis_agent_certificate_renewals_total', 'Workload certificates renewed.', (f) => f.renewals);
  mirrored('trellis_agent_certificate_request_failures_total', 'Certificate requests that failed (retried with backoff).', (f) => f.failures);
  const scrapeErrors = new Counter({ name: 'trellis_agent_metrics_scrape_errors_total', help: 'Scrapes of Envoy or the app that failed or did not parse.', labelNames: ['source'] as const, registers: [registry] });
  scrapeErrors.inc({ source: 'envoy' }, 0);
  scrapeErrors.inc({ source: 'app' }, 0);
  return { registry, scrapeErrors };
}
