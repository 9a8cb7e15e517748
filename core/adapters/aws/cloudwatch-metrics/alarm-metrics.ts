import type { StandardUnit } from '@aws-sdk/client-cloudwatch';

// The metrics the deployment's CloudWatch alarms read (infra/constructs/trellis-metrics.ts names them too).
export const NACK_COUNT = 'NackCount';
export const CONVERGENCE_SECONDS = 'ConvergenceSeconds';
export const CERTIFICATE_ISSUE_FAILURES = 'CertificateIssueFailures';
export const CLOUD_MAP_POLL_FAILURES = 'CloudMapPollFailures';

/** What an xds-server replica publishes: proxies' NACKs, certificate failures and failed Cloud Map polls as counts, revision convergence as a distribution. */
export const ALARM_METRICS = {
  counters: { [NACK_COUNT]: 'Count', [CERTIFICATE_ISSUE_FAILURES]: 'Count', [CLOUD_MAP_POLL_FAILURES]: 'Count' } satisfies Record<string, StandardUnit>,
  distributions: { [CONVERGENCE_SECONDS]: 'Seconds' } satisfies Record<string, StandardUnit>,
};
