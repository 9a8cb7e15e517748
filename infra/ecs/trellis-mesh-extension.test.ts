import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Vpc } from 'aws-cdk-lib/aws-ec2';
import { Cluster, ContainerImage, FargateService, FargateTaskDefinition, NetworkMode, Ec2TaskDefinition, LogDrivers } from 'aws-cdk-lib/aws-ecs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, describe, expect, it } from 'vitest';
import pkg from '../../package.json' with { type: 'json' };
import { CFN_LINT_BIN } from '../../test/support/tools.ts';
import { TrellisMeshExtension, type TrellisMeshOptions } from './trellis-mesh-extension.ts';

const OPTIONS: TrellisMeshOptions = { apiUrl: 'https://api.trellis.example', xdsAddress: 'xds.trellis.example:18000', mesh: 'prod', namespace: 'shop', serviceAccount: 'checkout', appPorts: [8080] };

/** A small service the way a user writes it: an app container, then the mesh extension. */
function exampleStack(app: App): { stack: Stack; extension: TrellisMeshExtension } {
  const stack = new Stack(app, 'CheckoutService');
  const vpc = new Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  vpc.addFlowLog('FlowLog');
  const cluster = new Cluster(stack, 'Cluster', { vpc, containerInsights: true });
  const task = new FargateTaskDefinition(stack, 'Task', { cpu: 512, memoryLimitMiB: 1024, family: 'checkout' });
  const appLogs = new LogGroup(stack, 'AppLogs', { retention: RetentionDays.ONE_MONTH });
  task.addContainer('app', { image: ContainerImage.fromRegistry('public.ecr.aws/example/checkout:1.0'), portMappings: [{ containerPort: 8080 }], logging: LogDrivers.awsLogs({ logGroup: appLogs, streamPrefix: 'app' }), essential: true });
  const extension = TrellisMeshExtension.addTo(task, OPTIONS);
  new FargateService(stack, 'Service', { cluster, taskDefinition: task, desiredCount: 2 });
  return { stack, extension };
}

describe('TrellisMeshExtension', () => {
  // GIVEN a Fargate service with an app container, WHEN the extension is added and the stack synthesized
  const app = new App();
  const { stack } = exampleStack(app);
  const template = Template.fromStack(stack);

  it('adds an essential trellis-proxy container of the released proxy image that attests with the task role and is healthy when the agent is ready', () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: Match.arrayWith([
        Match.objectLike({
          Name: 'trellis-proxy',
          Essential: true,
          User: '1337',
          Command: Match.arrayWith(['run', '--attest', 'ecs', '--address', 'ecs-task', '--xds-mtls']),
          Environment: Match.arrayWith([
            { Name: 'TRELLIS_URL', Value: 'https://api.trellis.example' },
            { Name: 'TRELLIS_XDS', Value: 'xds.trellis.example:18000' },
            { Name: 'TRELLIS_MESH', Value: 'prod' },
            { Name: 'TRELLIS_NAMESPACE', Value: 'shop' },
            { Name: 'TRELLIS_SERVICE_ACCOUNT', Value: 'checkout' },
          ]),
          Image: `public.ecr.aws/trellis-mesh/proxy:${pkg.version}`,
          HealthCheck: Match.objectLike({ Command: ['CMD', 'trellis-agent', 'wait-ready', '--port', '15021', '--timeout-seconds', '1'] }),
          LogConfiguration: Match.objectLike({ LogDriver: 'awslogs', Options: Match.objectLike({ 'awslogs-stream-prefix': 'trellis-proxy' }) }),
        }),
      ]),
    });
  });

  it('exposes the merged Prometheus scrape on 15020, with the labels CloudWatch agent discovers it by', () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: Match.arrayWith([
        Match.objectLike({
          Name: 'trellis-proxy',
          PortMappings: [{ ContainerPort: 15020, Name: 'metrics', Protocol: 'tcp' }],
          DockerLabels: { ECS_PROMETHEUS_EXPORTER_PORT: '15020', ECS_PROMETHEUS_METRICS_PATH: '/stats/prometheus' },
        }),
      ]),
    });
  });

  it('starts the app only once the proxy is HEALTHY', () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: Match.arrayWith([Match.objectLike({ Name: 'app', DependsOn: [{ ContainerName: 'trellis-proxy', Condition: 'HEALTHY' }] })]),
    });
  });

  it('redirects traffic through the proxy, except its own and the ECS/instance metadata endpoints', () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      NetworkMode: 'awsvpc',
      ProxyConfiguration: {
        Type: 'APPMESH',
        ContainerName: 'trellis-proxy',
        ProxyConfigurationProperties: Match.arrayWith([
          { Name: 'IgnoredUID', Value: '1337' },
          { Name: 'ProxyIngressPort', Value: '15006' },
          { Name: 'ProxyEgressPort', Value: '15001' },
          { Name: 'AppPorts', Value: '8080' },
          { Name: 'EgressIgnoredIPs', Value: '169.254.170.2,169.254.169.254' },
        ]),
      },
    });
  });

  it('gives the proxy a log group with retention, and the task role no permission at all', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    const taskRolePolicies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^TaskTaskRole') }] } });
    expect(Object.keys(taskRolePolicies)).toEqual([]);
  });

  it('passes no --group without workloadGroup, and --group <name> to the agent with it', () => {
    const command = (t: Template) => {
      const defs = Object.values(t.findResources('AWS::ECS::TaskDefinition')).flatMap((r) => (r as { Properties: { ContainerDefinitions: { Name: string; Command?: string[] }[] } }).Properties.ContainerDefinitions);
      return defs.find((d) => d.Name === 'trellis-proxy')?.Command ?? [];
    };
    expect(command(template)).not.toContain('--group');
    const stack2 = new Stack();
    const task = new FargateTaskDefinition(stack2, 'T', { cpu: 256, memoryLimitMiB: 512 });
    task.addContainer('app', { image: ContainerImage.fromRegistry('x') });
    TrellisMeshExtension.addTo(task, { ...OPTIONS, workloadGroup: 'checkout' });
    const grouped = command(Template.fromStack(stack2));
    expect(grouped.slice(grouped.indexOf('--group'), grouped.indexOf('--group') + 2)).toEqual(['--group', 'checkout']);
  });

  it('refuses a workloadGroup that is not a DNS label (it would reach the agent as a flag or a bad name)', () => {
    for (const bad of ['Checkout', '--api=https://evil.example', 'a'.repeat(64), '']) {
      const stack2 = new Stack();
      const task = new FargateTaskDefinition(stack2, 'T', { cpu: 256, memoryLimitMiB: 512 });
      task.addContainer('app', { image: ContainerImage.fromRegistry('x') });
      expect(() => TrellisMeshExtension.addTo(task, { ...OPTIONS, workloadGroup: bad })).toThrow(/workloadGroup must be a DNS label/);
    }
  });

  it('refuses a task definition that cannot redirect traffic (bridge mode), and one without app ports', () => {
    const stack2 = new Stack();
    const bridge = new Ec2TaskDefinition(stack2, 'Bridge', { networkMode: NetworkMode.BRIDGE });
    bridge.addContainer('app', { image: ContainerImage.fromRegistry('x'), memoryLimitMiB: 128 });
    expect(() => TrellisMeshExtension.addTo(bridge, OPTIONS)).toThrow(/awsvpc/);
    const task = new FargateTaskDefinition(stack2, 'T', { cpu: 256, memoryLimitMiB: 512 });
    task.addContainer('app', { image: ContainerImage.fromRegistry('x') });
    expect(() => TrellisMeshExtension.addTo(task, { ...OPTIONS, appPorts: [] })).toThrow(/appPorts/);
  });
});

describe('an example service using TrellisMeshExtension', () => {
  // GIVEN the example stack with cdk-nag's AWS Solutions checks, WHEN it is synthesized
  const app = new App();
  const { stack } = exampleStack(app);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  // The example's own choices, not the extension's: acknowledged here with the reason.
  Validations.of(stack).acknowledge(
    { id: 'AwsSolutions-ECS2', reason: 'The extension passes Trellis settings (URLs, mesh, identity names) as environment variables: none is a secret; attestation uses the task role, not a stored credential.' },
    { id: 'AwsSolutions-IAM5', reason: 'CDK grants the execution role log and image-pull actions on its own log streams (wildcard stream names); the task role has no policy.' },
  );
  const outdir = mkdtempSync(path.join(os.tmpdir(), 'trellis-ecs-ext-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('passes cdk-nag AwsSolutions (synthesis throws on an unacknowledged finding)', () => {
    expect(() => app.synth({ force: true })).not.toThrow();
    expect(new AwsSolutionsChecks().validateScope(app).violations).toEqual([]);
  });

  it('passes cfn-lint: no error and no warning', () => {
    const assembly = app.synth();
    const file = assembly.getStackByName(stack.stackName).templateFullPath;
    const run = spawnSync(CFN_LINT_BIN, ['--format', 'json', file], { encoding: 'utf8', timeout: 60_000 });
    expect(run.error).toBeUndefined();
    const findings = JSON.parse(run.stdout || '[]') as { Level: string; Rule: { Id: string }; Message: string }[];
    expect(findings.filter((f) => f.Level === 'Error' || f.Level === 'Warning').map((f) => `${f.Rule.Id}: ${f.Message}`)).toEqual([]);
  }, 60_000);
});
