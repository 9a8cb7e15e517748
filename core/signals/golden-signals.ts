import type { SignalReport } from './signal-report.ts';

/** Golden signals of one version of a service over a window. */
export interface VersionSignals {
  version: string;
  requests: number;
  requestsPerSecond: number;
  /** Share of requests not answered 5xx; null without requests. */
  successRate: number | null;
  /** From the duration histogram, as Prometheus's histogram_quantile; null without observations. */
  latencyMs: { p50: number; p95: number; p99: number } | null;
}

export interface ServiceSignals {
  host: string;
  windowSeconds: number;
  /** Sidecars that reported on this service in the window. */
  reporters: number;
  total: VersionSignals;
  versions: VersionSignals[];
}

/**
 * The control plane's view of request rate, success and latency per service and version, fed by
 * sidecars' reports (live state, never config).
 */
export interface GoldenSignalsStore {
  /** Adds one sidecar's report; `reporter` is its verified identity. */
  record(tenantId: string, mesh: string, reporter: string, report: SignalReport, at: Date): Promise<void>;
  /** Signals of `host` over the last `windowSeconds`; a service no one reported on has zero requests. */
  read(tenantId: string, mesh: string, host: string, windowSeconds: number, at: Date): Promise<ServiceSignals>;
}
