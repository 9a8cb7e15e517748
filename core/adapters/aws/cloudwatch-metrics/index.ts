export { CloudWatchMetrics, type CloudWatchMetricsOptions, type MetricsLogger } from './cloudwatch-metrics.ts';
export { embeddedMetricLine } from './embedded-metric.ts';
export { ALARM_METRICS, CERTIFICATE_ISSUE_FAILURES, CLOUD_MAP_POLL_FAILURES, CONVERGENCE_SECONDS, NACK_COUNT } from './alarm-metrics.ts';
