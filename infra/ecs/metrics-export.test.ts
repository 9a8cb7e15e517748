import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ContainerImage, FargateTaskDefinition } from 'aws-cdk-lib/aws-ecs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEFAULT_COLLECTOR_IMAGE, type MetricsExport } from './metrics-export.ts';
import { TrellisMeshExtension } from './trellis-mesh-extension.ts';

const WORKSPACE = 'arn:aws:aps:eu-west-1:111122223333:workspace/ws-0123abcd-4567-89ef-0123-456789abcdef';
const REMOTE_WRITE = 'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-0123abcd-4567-89ef-0123-456789abcdef/api/v1/remote_write';

function synth(metricsExport: MetricsExport): Template {
  const stack = new Stack(new App(), 'Checkout', { env: { account: '111122223333', region: 'eu-west-1' } });
  const task = new FargateTaskDefinition(stack, 'Task', { cpu: 512, memoryLimitMiB: 1024, family: 'checkout' });
  task.addContainer('app', { image: ContainerImage.fromRegistry('public.ecr.aws/example/checkout:1.0'), portMappings: [{ containerPort: 8080 }] });
  TrellisMeshExtension.addTo(task, { apiUrl: 'https://api.trellis.example', xdsAddress: 'xds.trellis.example:18000', mesh: 'prod', namespace: 'shop', serviceAccount: 'checkout', appPorts: [8080], metricsExport });
  return Template.fromStack(stack);
}

interface CollectorConfig {
  receivers: { prometheus: { config: { scrape_configs: Record<string, unknown>[] } } };
  exporters: { prometheusremotewrite?: unknown; awsemf?: Record<string, unknown> & { metric_declarations: { dimensions: string[][] }[] } };
  extensions?: { sigv4auth?: unknown };
  service: { pipelines: { metrics: unknown } };
}
interface Container {
  Name: string;
  Environment?: { Name: string; Value: string }[];
}

/** The collector container and its configuration, parsed. */
function collector(template: Template): { container: Container; config: CollectorConfig } {
  const [task] = Object.values(template.findResources('AWS::ECS::TaskDefinition')) as { Properties: { ContainerDefinitions: Container[] } }[];
  const container = task!.Properties.ContainerDefinitions.find((c) => c.Name === 'trellis-metrics-collector');
  expect(container).toBeDefined();
  const env = container!.Environment?.find((e) => e.Name === 'AOT_CONFIG_CONTENT');
  return { container: container!, config: parse(env!.Value) as CollectorConfig };
}

describe('TrellisMeshExtension metricsExport', () => {
  it('Amazon Managed Service for Prometheus: a collector scrapes the agent and remote-writes, signed, with aps:RemoteWrite on the workspace only', () => {
    const template = synth({ managedPrometheus: { workspaceArn: WORKSPACE, remoteWriteUrl: REMOTE_WRITE } });
    const { container, config } = collector(template);
    expect(container).toMatchObject({ Image: DEFAULT_COLLECTOR_IMAGE, Essential: false, DependsOn: [{ ContainerName: 'trellis-proxy', Condition: 'START' }] });
    const job = config.receivers.prometheus.config.scrape_configs[0];
    expect(job).toMatchObject({ metrics_path: '/stats/prometheus', static_configs: [{ targets: ['localhost:15020'] }], metric_relabel_configs: [{ action: 'keep', regex: 'istio_.*|trellis_agent_.*' }] });
    expect(config.exporters.prometheusremotewrite).toEqual({ endpoint: REMOTE_WRITE, auth: { authenticator: 'sigv4auth' } });
    expect(config.extensions?.sigv4auth).toEqual({ region: 'eu-west-1', service: 'aps' });
    expect(config.service.pipelines.metrics).toEqual({ receivers: ['prometheus'], processors: ['batch'], exporters: ['prometheusremotewrite'] });
    template.hasResourceProperties('AWS::IAM::Policy', { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'aps:RemoteWrite', Effect: 'Allow', Resource: WORKSPACE })]) } });
  });

  it('CloudWatch: EMF metrics of the golden signals by service and version, Envoy stats kept when asked', () => {
    const template = synth({ cloudWatch: { namespace: 'Shop/Mesh' }, envoyStats: true, scrapeIntervalSeconds: 15 });
    const { config } = collector(template);
    expect(config.exporters.awsemf).toMatchObject({ region: 'eu-west-1', namespace: 'Shop/Mesh', log_group_name: '/trellis/metrics/checkout' });
    expect(config.exporters.awsemf!.metric_declarations[0]!.dimensions).toContainEqual(['reporter', 'destination_service', 'destination_version', 'response_code']);
    const job = config.receivers.prometheus.config.scrape_configs[0]!;
    expect(job.scrape_interval).toBe('15s');
    expect(job.metric_relabel_configs).toBeUndefined();
    template.hasResourceProperties('AWS::IAM::Policy', { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['logs:PutLogEvents']) })]) } });
  });

  it('refuses a remote-write URL that is not a workspace', () => {
    expect(() => synth({ managedPrometheus: { workspaceArn: WORKSPACE, remoteWriteUrl: 'http://collector.example/api/v1/write' } })).toThrow(/remote_write URL/);
  });
});
