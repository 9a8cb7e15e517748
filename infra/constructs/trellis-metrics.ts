import { Duration } from 'aws-cdk-lib';
import { Metric, Stats } from 'aws-cdk-lib/aws-cloudwatch';

/*
 * Custom metrics the xds-server publishes (PutMetricData, no dimensions: fleet-wide figures).
 * The names are a contract with the server code; a rename here breaks alarms silently.
 */

/** `Trellis/<service stack name>`: each deployment's alarms read only its own fleet's figures. */
export const metricsNamespace = (stackName: string): string => `Trellis/${stackName}`;
export const NACK_COUNT = 'NackCount';
export const CONVERGENCE_SECONDS = 'ConvergenceSeconds';
export const CERTIFICATE_ISSUE_FAILURES = 'CertificateIssueFailures';
export const CLOUD_MAP_POLL_FAILURES = 'CloudMapPollFailures';

// Unlabelled: a label would turn an alarm's metric into a metric-math expression.
const PERIOD = Duration.minutes(5);

/** Proxies rejecting config: every NACK the fleet received. */
export const nackCount = (namespace: string) => new Metric({ namespace, metricName: NACK_COUNT, statistic: Stats.SUM, period: PERIOD });

/** Commit to last ACK of the new version, per change; alarms look at the p99. */
export const convergenceP99 = (namespace: string) =>
  new Metric({ namespace, metricName: CONVERGENCE_SECONDS, statistic: Stats.p(99), period: PERIOD });

/** Certificate issuance calls to the CA that failed. */
export const certificateIssueFailures = (namespace: string) =>
  new Metric({ namespace, metricName: CERTIFICATE_ISSUE_FAILURES, statistic: Stats.SUM, period: PERIOD });

/** Polls of Cloud Map registry sources that failed (each source is polled by one replica). */
export const cloudMapPollFailures = (namespace: string) =>
  new Metric({ namespace, metricName: CLOUD_MAP_POLL_FAILURES, statistic: Stats.SUM, period: PERIOD });
