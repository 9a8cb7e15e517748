import { CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMoto, type RunningMoto } from '../../../../test/support/moto.ts';
import { ALARM_METRICS, CERTIFICATE_ISSUE_FAILURES, CLOUD_MAP_POLL_FAILURES, CONVERGENCE_SECONDS, NACK_COUNT } from './alarm-metrics.ts';
import { CloudWatchMetrics } from './cloudwatch-metrics.ts';
import { embeddedMetricLine } from './embedded-metric.ts';

let moto: RunningMoto;
let client: CloudWatchClient;
let namespaces = 0;

beforeAll(async () => {
  moto = await startMoto();
  client = new CloudWatchClient(moto.clientConfig);
});

afterAll(async () => {
  client?.destroy();
  await moto?.stop();
});

function recordingLogger() {
  const warnings: string[] = [];
  return { warnings, logger: { warn: (_: object, message: string) => void warnings.push(message) } };
}

async function statistics(namespace: string, metric: string) {
  const { Datapoints } = await client.send(
    new GetMetricStatisticsCommand({ Namespace: namespace, MetricName: metric, StartTime: new Date(Date.now() - 3_600_000), EndTime: new Date(Date.now() + 60_000), Period: 3600, Statistics: ['Sum', 'SampleCount', 'Maximum', 'Minimum'] }),
  );
  const points = Datapoints ?? [];
  return {
    points: points.length,
    sum: points.reduce((n, d) => n + (d.Sum ?? 0), 0),
    samples: points.reduce((n, d) => n + (d.SampleCount ?? 0), 0),
    max: Math.max(...points.map((d) => d.Maximum ?? -Infinity)),
    min: Math.min(...points.map((d) => d.Minimum ?? Infinity)),
  };
}

describe('CloudWatchMetrics on moto', () => {
  it('publishes counts (0 included) and every observation of a distribution, summed over replicas', async () => {
    const namespace = `Trellis/Test${++namespaces}`;
    const { logger, warnings } = recordingLogger();
    const replicaA = new CloudWatchMetrics({ client, namespace, ...ALARM_METRICS, logger });
    const replicaB = new CloudWatchMetrics({ client, namespace, ...ALARM_METRICS, logger });
    replicaA.count(NACK_COUNT);
    replicaA.count(NACK_COUNT, 2);
    replicaB.count(NACK_COUNT);
    for (const seconds of [0.12, 0.12, 0.3, 1.5]) replicaA.observe(CONVERGENCE_SECONDS, seconds);
    replicaB.observe(CONVERGENCE_SECONDS, 4.2);
    await Promise.all([replicaA.flush(), replicaB.flush()]);

    expect(await statistics(namespace, NACK_COUNT)).toMatchObject({ sum: 4 });
    const convergence = await statistics(namespace, CONVERGENCE_SECONDS);
    expect(convergence.samples).toBe(5);
    expect(convergence.max).toBe(4.2);
    expect(convergence.min).toBe(0.12);
    // Nothing failed, and each counter exists at 0: the alarm has data before the first failure.
    for (const counter of [CERTIFICATE_ISSUE_FAILURES, CLOUD_MAP_POLL_FAILURES]) {
      const failures = await statistics(namespace, counter);
      expect(failures.points, counter).toBeGreaterThan(0);
      expect(failures.sum, counter).toBe(0);
    }
    expect(warnings).toEqual([]);

    // A period is sent once: the next flush adds zeros and nothing observed.
    await replicaA.flush();
    expect(await statistics(namespace, NACK_COUNT)).toMatchObject({ sum: 4 });
    expect((await statistics(namespace, CONVERGENCE_SECONDS)).samples).toBe(5);
  });

  it('keeps a period whose call failed and sends it with the next (fault injected into the client: moto does not throttle)', async () => {
    const namespace = `Trellis/Test${++namespaces}`;
    const { logger, warnings } = recordingLogger();
    let failing = 1;
    const flaky = { send: ((command: Parameters<CloudWatchClient['send']>[0]) => (failing-- > 0 ? Promise.reject(new Error('Throttling: Rate exceeded')) : client.send(command))) as CloudWatchClient['send'] };
    const metrics = new CloudWatchMetrics({ client: flaky, namespace, ...ALARM_METRICS, logger });
    metrics.count(NACK_COUNT, 3);
    metrics.observe(CONVERGENCE_SECONDS, 0.5);
    await metrics.flush();
    expect(warnings).toEqual(['could not publish metrics to CloudWatch; kept for the next period']);
    expect((await statistics(namespace, NACK_COUNT)).points).toBe(0);

    metrics.count(NACK_COUNT);
    metrics.observe(CONVERGENCE_SECONDS, 0.5);
    await metrics.stop();
    expect(await statistics(namespace, NACK_COUNT)).toMatchObject({ sum: 4 });
    expect((await statistics(namespace, CONVERGENCE_SECONDS)).samples).toBe(2);
  });

  it('stop() sends what was counted while a flush was in flight, not only what that flush took', async () => {
    const namespace = `Trellis/Test${++namespaces}`;
    const metrics = new CloudWatchMetrics({ client, namespace, ...ALARM_METRICS, logger: recordingLogger().logger });
    metrics.count(NACK_COUNT);
    const inFlight = metrics.flush();
    metrics.count(NACK_COUNT, 2);
    await metrics.stop();
    await inFlight;
    expect(await statistics(namespace, NACK_COUNT)).toMatchObject({ sum: 3 });
  });

  it('sends more distinct values than one datum holds, and ignores values that are not durations', async () => {
    const namespace = `Trellis/Test${++namespaces}`;
    const { logger } = recordingLogger();
    const metrics = new CloudWatchMetrics({ client, namespace, ...ALARM_METRICS, logger });
    for (let i = 1; i <= 400; i++) metrics.observe(CONVERGENCE_SECONDS, i / 100);
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) metrics.observe(CONVERGENCE_SECONDS, bad);
    await metrics.flush();
    const convergence = await statistics(namespace, CONVERGENCE_SECONDS);
    expect(convergence.samples).toBe(400);
    expect(convergence.max).toBe(4);
  });

  it('refuses a metric it was not told about, so a typo cannot publish a metric no alarm reads', () => {
    const metrics = new CloudWatchMetrics({ client, namespace: 'Trellis/Typo', ...ALARM_METRICS, logger: recordingLogger().logger });
    expect(() => metrics.count('NackCounts')).toThrow(/not a declared counter/);
    expect(() => metrics.observe('Convergence', 1)).toThrow(/not a declared distribution/);
  });
});

describe('embeddedMetricLine', () => {
  it('is one EMF document: the namespace, no dimensions, each metric with its unit and value', () => {
    const line = embeddedMetricLine('Trellis/Blue', { [CERTIFICATE_ISSUE_FAILURES]: { value: 1, unit: 'Count' } }, new Date(1_700_000_000_000));
    expect(line).not.toContain('\n');
    expect(JSON.parse(line)).toEqual({
      _aws: { Timestamp: 1_700_000_000_000, CloudWatchMetrics: [{ Namespace: 'Trellis/Blue', Dimensions: [[]], Metrics: [{ Name: 'CertificateIssueFailures', Unit: 'Count' }] }] },
      CertificateIssueFailures: 1,
    });
  });
});
