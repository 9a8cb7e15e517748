import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from './config.ts';
import { addTrellisDeployment } from './trellis-app.ts';

/**
 * Properties that name a resource account- or region-wide (two resources with the same value
 * collide), by resource type. Resources CloudFormation names from the stack leave them unset.
 */
const PHYSICAL_NAMES: Record<string, string[]> = {
  'AWS::DynamoDB::Table': ['TableName'],
  'AWS::Events::EventBus': ['Name'],
  'AWS::Events::Archive': ['ArchiveName'],
  'AWS::Events::Rule': ['Name'],
  'AWS::SQS::Queue': ['QueueName'],
  'AWS::SNS::Topic': ['TopicName'],
  'AWS::Logs::LogGroup': ['LogGroupName'],
  'AWS::IAM::Role': ['RoleName'],
  'AWS::IAM::ManagedPolicy': ['ManagedPolicyName'],
  'AWS::KMS::Alias': ['AliasName'],
  'AWS::SecretsManager::Secret': ['Name'],
  'AWS::Lambda::Function': ['FunctionName'],
  'AWS::ECS::Cluster': ['ClusterName'],
  'AWS::ECS::TaskDefinition': ['Family'],
  'AWS::ElasticLoadBalancingV2::LoadBalancer': ['Name'],
  'AWS::ElasticLoadBalancingV2::TargetGroup': ['Name'],
  'AWS::CloudWatch::Dashboard': ['DashboardName'],
  'AWS::CloudWatch::Alarm': ['AlarmName'],
};

function physicalNames(template: Template): Map<string, string> {
  const names = new Map<string, string>();
  const json = template.toJSON() as { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>; Outputs?: Record<string, { Export?: { Name?: unknown } }> };
  for (const [id, resource] of Object.entries(json.Resources)) {
    for (const property of PHYSICAL_NAMES[resource.Type] ?? []) {
      const value = resource.Properties?.[property];
      if (value !== undefined) names.set(JSON.stringify(value), `${resource.Type} ${id}.${property}`);
    }
  }
  // Exports are region-wide names too.
  for (const [id, output] of Object.entries(json.Outputs ?? {})) if (output.Export?.Name !== undefined) names.set(JSON.stringify(output.Export.Name), `export of ${id}`);
  return names;
}

describe('two deployments in one account and region', () => {
  // GIVEN one app with deployments Blue and Green (bundling skipped: names are under test, not the bundle)
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const blue = addTrellisDeployment(app, { ...DEFAULT_CONFIG, deploymentName: 'Blue' });
  const green = addTrellisDeployment(app, { ...DEFAULT_CONFIG, deploymentName: 'Green' });
  // WHEN synthesized
  const assembly = app.synth();
  const namesOf = (d: typeof blue) => new Map([...physicalNames(Template.fromStack(d.data)), ...physicalNames(Template.fromStack(d.service))]);

  it('makes four stacks named after each deployment', () => {
    expect(assembly.stacks.map((s) => s.stackName).sort()).toEqual(['BlueData', 'BlueService', 'GreenData', 'GreenService']);
  });

  it('gives no physical name (table, bus, queue, log group, role, task family, export …) to both', () => {
    const blueNames = namesOf(blue);
    const greenNames = namesOf(green);
    // The names that are set at all are derived from the stack, e.g. the bus and the exports.
    expect([...blueNames.keys()]).toContain('"BlueService-config"');
    expect([...greenNames.keys()]).toContain('"GreenService-config"');
    const shared = [...blueNames.keys()].filter((name) => greenNames.has(name)).map((name) => `${blueNames.get(name)} = ${name}`);
    expect(shared).toEqual([]);
  });

  it("alarms on each deployment's own custom metrics", () => {
    const namespaces = (d: typeof blue) => new Set(Object.values(Template.fromStack(d.service).findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties?.Namespace as string).filter((n) => n.startsWith('Trellis')));
    expect([...namespaces(blue)]).toEqual(['Trellis/BlueService']);
    expect([...namespaces(green)]).toEqual(['Trellis/GreenService']);
  });
});
