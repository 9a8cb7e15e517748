import { Stack, Token } from 'aws-cdk-lib';
import { ContainerDependencyCondition, ContainerImage, LogDrivers, type ContainerDefinition, type TaskDefinition } from 'aws-cdk-lib/aws-ecs';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import { stringify } from 'yaml';

/** AWS Distro for OpenTelemetry collector: scrapes the agent in the task and sends on with the task role. */
export const DEFAULT_COLLECTOR_IMAGE = 'public.ecr.aws/aws-observability/aws-otel-collector:v0.45.1';
export const COLLECTOR_CONTAINER_NAME = 'trellis-metrics-collector';

/** Where the task's mesh metrics go: an Amazon Managed Service for Prometheus workspace, or CloudWatch metrics. */
export type MetricsExport =
  | { managedPrometheus: { workspaceArn: string; remoteWriteUrl: string }; image?: ContainerImage; scrapeIntervalSeconds?: number; envoyStats?: boolean }
  | { cloudWatch: { namespace?: string; logGroupName?: string }; image?: ContainerImage; scrapeIntervalSeconds?: number; envoyStats?: boolean };

/** Istio's standard metrics and the agent's; Envoy's own are ~345 series per cluster, so left out unless asked for. */
const GOLDEN = 'istio_.*|trellis_agent_.*';

function scrapeConfig(o: MetricsExport, port: number, path: string) {
  return {
    config: {
      scrape_configs: [
        {
          job_name: 'trellis-sidecar',
          scrape_interval: `${o.scrapeIntervalSeconds ?? 30}s`,
          metrics_path: path,
          static_configs: [{ targets: [`localhost:${port}`] }],
          ...(o.envoyStats ? {} : { metric_relabel_configs: [{ source_labels: ['__name__'], regex: GOLDEN, action: 'keep' }] }),
        },
      ],
    },
  };
}

/** The collector's configuration (ADOT reads it from AOT_CONFIG_CONTENT). */
export function collectorConfig(o: MetricsExport, region: string, port: number, path: string, family: string): string {
  const receivers = { prometheus: scrapeConfig(o, port, path) };
  const pipeline = (exporter: string) => ({ metrics: { receivers: ['prometheus'], processors: ['batch'], exporters: [exporter] } });
  if ('managedPrometheus' in o) {
    return stringify({
      extensions: { sigv4auth: { region, service: 'aps' } },
      receivers,
      processors: { batch: {} },
      exporters: { prometheusremotewrite: { endpoint: o.managedPrometheus.remoteWriteUrl, auth: { authenticator: 'sigv4auth' } } },
      service: { extensions: ['sigv4auth'], pipelines: pipeline('prometheusremotewrite') },
    });
  }
  return stringify({
    receivers,
    processors: { batch: {} },
    exporters: {
      awsemf: {
        region,
        namespace: o.cloudWatch.namespace ?? 'Trellis/Mesh',
        log_group_name: o.cloudWatch.logGroupName ?? `/trellis/metrics/${family}`,
        dimension_rollup_option: 'NoDimensionRollup',
        // Only the golden signals become CloudWatch metrics, by service and version: each dimension set is billed.
        metric_declarations: [
          { dimensions: [['reporter', 'destination_service', 'response_code'], ['reporter', 'destination_service', 'destination_version', 'response_code']], metric_name_selectors: ['^istio_requests_total$'] },
          { dimensions: [['reporter', 'destination_service']], metric_name_selectors: ['^istio_request_duration_milliseconds_(sum|count)$'] },
          { dimensions: [[]], metric_name_selectors: ['^trellis_agent_.*'] },
        ],
      },
    },
    service: { pipelines: pipeline('awsemf') },
  });
}

/** Adds the collector container and the task-role permissions it sends with. */
export function addMetricsExport(taskDefinition: TaskDefinition, proxy: ContainerDefinition, logGroup: ILogGroup, o: MetricsExport, port: number, path: string): ContainerDefinition {
  const region = Stack.of(taskDefinition).region;
  if ('managedPrometheus' in o) {
    const url = o.managedPrometheus.remoteWriteUrl;
    if (!Token.isUnresolved(url) && !/^https:\/\/aps-workspaces\.[a-z0-9-]+\.amazonaws\.com\/workspaces\/ws-[A-Za-z0-9-]+\/api\/v1\/remote_write$/.test(url)) {
      throw new Error(`metricsExport.managedPrometheus.remoteWriteUrl must be a workspace's remote_write URL (https://aps-workspaces.<region>.amazonaws.com/workspaces/ws-…/api/v1/remote_write), got ${JSON.stringify(url.slice(0, 200))}`);
    }
    taskDefinition.addToTaskRolePolicy(new PolicyStatement({ actions: ['aps:RemoteWrite'], resources: [o.managedPrometheus.workspaceArn] }));
  } else {
    taskDefinition.addToTaskRolePolicy(new PolicyStatement({ actions: ['logs:PutLogEvents', 'logs:CreateLogStream', 'logs:CreateLogGroup', 'logs:DescribeLogStreams', 'logs:DescribeLogGroups'], resources: ['*'] }));
  }
  const collector = taskDefinition.addContainer(COLLECTOR_CONTAINER_NAME, {
    containerName: COLLECTOR_CONTAINER_NAME,
    image: o.image ?? ContainerImage.fromRegistry(DEFAULT_COLLECTOR_IMAGE),
    // Metrics are not worth stopping the task for.
    essential: false,
    environment: { AOT_CONFIG_CONTENT: collectorConfig(o, region, port, path, taskDefinition.family) },
    logging: LogDrivers.awsLogs({ logGroup, streamPrefix: COLLECTOR_CONTAINER_NAME }),
    memoryReservationMiB: 64,
  });
  collector.addContainerDependencies({ container: proxy, condition: ContainerDependencyCondition.START });
  return collector;
}
