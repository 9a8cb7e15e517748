// Apart from the report's schema: the sidecar agent writes reports to these limits without loading a schema library.

/** Istio's request-duration bucket bounds (ms); a report's `durationCounts` has one count per bound plus one above the last. */
export const DURATION_BOUNDS_MS = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000] as const;

/** More services than a sidecar calls in practice; bounds the work one report can cause. */
export const MAX_REPORT_SERVICES = 500;
