/**
 * One CloudWatch embedded-metric-format (EMF) log line: where a Lambda writes it to stdout,
 * CloudWatch Logs turns it into a metric of `namespace` without dimensions, with no API call and no
 * cloudwatch:PutMetricData permission.
 */
export function embeddedMetricLine(namespace: string, metrics: Readonly<Record<string, { value: number; unit: 'Count' | 'Seconds' | 'Milliseconds' }>>, at: Date): string {
  const names = Object.keys(metrics);
  const line: Record<string, unknown> = {
    _aws: { Timestamp: at.getTime(), CloudWatchMetrics: [{ Namespace: namespace, Dimensions: [[]], Metrics: names.map((Name) => ({ Name, Unit: metrics[Name]!.unit })) }] },
  };
  for (const name of names) line[name] = metrics[name]!.value;
  return JSON.stringify(line);
}
