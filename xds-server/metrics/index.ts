export { XdsMetrics, type ControlPlaneMetrics, PUSH_BYTES_BUCKETS, CONVERGENCE_BUCKETS, TRANSLATION_BUCKETS } from './xds-metrics.ts';
export { countingCertificateAuthority } from './certificate-metrics.ts';
export { createMetricsRegistry } from './registry.ts';
export { CloudMapMetrics } from './cloud-map-metrics.ts';
