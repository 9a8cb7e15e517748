import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, describe, expect, it } from 'vitest';
import { CFN_LINT_BIN } from '../test/support/tools.ts';
import { synthTrellis } from './testing/synth-trellis.ts';
import { createTrellisApp } from './trellis-app.ts';

interface CfnLintFinding {
  Level: 'Error' | 'Warning' | 'Informational';
  Message: string;
  Filename: string;
  Rule: { Id: string };
}

/** cfn-lint's findings on the templates, as `rule file: message`; every error and warning counts. */
function cfnLint(templates: string[]): string[] {
  const run = spawnSync(CFN_LINT_BIN, ['--format', 'json', ...templates], { encoding: 'utf8', timeout: 60_000 });
  expect(run.error).toBeUndefined();
  const findings = JSON.parse(run.stdout || '[]') as CfnLintFinding[];
  return findings.filter((f) => f.Level !== 'Informational').map((f) => `${f.Level} ${f.Rule.Id} ${path.basename(f.Filename)}: ${f.Message}`);
}

describe('the Trellis app, as `cdk synth` builds it', () => {
  // GIVEN the app with its default context, WHEN it is synthesized (cdk-nag's AWS Solutions pack runs inside synth)
  const trellis = synthTrellis();
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'trellis-cdk-out-'));
  afterAll(() => {
    for (const dir of [trellis.outdir, scratch]) rmSync(dir, { recursive: true, force: true });
  });
  const { dataTemplate: data, serviceTemplate: service } = trellis;
  const importOf = (name: RegExp) => ({ 'Fn::ImportValue': Match.stringLikeRegexp(name.source) });

  it('has two stacks: TrellisData (stateful) and TrellisService', () => {
    expect(trellis.assembly.stacks.map((s) => s.stackName).sort()).toEqual(['TrellisData', 'TrellisService']);
  });

  it('passes cdk-nag AwsSolutions: synthesis did not throw and the validation report lists no finding', () => {
    const report = JSON.parse(readFileSync(path.join(trellis.outdir, 'validation-report.json'), 'utf8')) as { pluginReports: Array<{ violations?: unknown[] }> };
    expect(report.pluginReports.flatMap((r) => r.violations ?? [])).toEqual([]);
    expect(new AwsSolutionsChecks().validateScope(trellis.app).violations).toEqual([]);
  });

  it('fails synthesis on a finding nobody acknowledged', () => {
    // GIVEN the same app plus a queue without encryption or a TLS policy (bundling skipped: it is not under test)
    const { app, data } = createTrellisApp({ outdir: scratch, context: { 'aws:cdk:bundling-stacks': [] } });
    new Queue(data, 'Unchecked', { encryption: QueueEncryption.UNENCRYPTED });
    // WHEN synthesized THEN
    expect(() => app.synth()).toThrow(/TrellisData\/Unchecked[\s\S]*AwsSolutions-SQS2/);
  });

  it('justifies every acknowledged finding, and acknowledges only these', () => {
    const acknowledged: string[] = [];
    for (const construct of trellis.app.node.findAll()) {
      for (const entry of construct.node.metadata) {
        if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
        for (const [id, reason] of Object.entries(entry.data as Record<string, unknown>)) {
          expect(typeof reason === 'string' && reason.length >= 40, `${construct.node.path} ${id} needs a reason`).toBe(true);
          if (id.startsWith('Annotation::AwsSolutions')) acknowledged.push(`${construct.node.path} ${id.replace('Annotation::', '')}`);
        }
      }
    }
    expect(acknowledged.sort()).toEqual([
      'TrellisData/BootstrapKey/Secret AwsSolutions-SMG4',
      'TrellisData/JoinTokenKey/Secret AwsSolutions-SMG4',
      'TrellisService/Api/Handler AwsSolutions-L1',
      'TrellisService/Api/HttpApi AwsSolutions-APIG4',
      'TrellisService/Api/PreviewHandler AwsSolutions-L1',
      'TrellisService/Events/DeadLetterQueue AwsSolutions-SQS3',
      'TrellisService/Signals/Table AwsSolutions-DDB3',
      'TrellisService/XdsFleet/LoadBalancer AwsSolutions-ELB2',
      'TrellisService/XdsFleet/LoadBalancerSecurityGroup AwsSolutions-EC23',
      'TrellisService/XdsFleet/TaskDefinition AwsSolutions-ECS2',
      'TrellisService/XdsFleet/TaskDefinition AwsSolutions-IAM5[Resource::*]',
      'TrellisService/XdsFleet/TaskDefinition/TaskRole AwsSolutions-IAM5[Resource::*]',
      'TrellisService/XdsFleet/TaskDefinition/TaskRole AwsSolutions-IAM5[Resource::*]',
      'TrellisService/XdsFleet/TaskDefinition/TaskRole AwsSolutions-IAM5[Resource::*]',
      'TrellisService/XdsFleet/TaskDefinition/TaskRole AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:events:<AWS::Region>:<AWS::AccountId>:rule/TrellisService-config/trellis-xds-*]',
      'TrellisService/XdsFleet/TaskDefinition/TaskRole AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sqs:<AWS::Region>:<AWS::AccountId>:trellis-xds-*]',
    ]);
  });

  it('keeps state in TrellisData: termination protection, and tables, CA, secrets and the credentials key retained', () => {
    expect(trellis.data.terminationProtection).toBe(true);
    data.resourceCountIs('AWS::DynamoDB::Table', 2);
    data.resourceCountIs('AWS::KMS::Key', 1);
    for (const type of ['AWS::DynamoDB::Table', 'AWS::ACMPCA::CertificateAuthority', 'AWS::SecretsManager::Secret', 'AWS::KMS::Key']) {
      expect(Object.values(data.findResources(type)).every((r) => r.DeletionPolicy === 'Retain' && r.UpdateReplacePolicy === 'Retain'), `${type} retained`).toBe(true);
    }
    data.hasOutput('BootstrapKeySecretArn', {});
    data.resourceCountIs('AWS::SecretsManager::Secret', 2);
    data.hasResourceProperties('AWS::SecretsManager::Secret', {
      Description: Match.stringLikeRegexp('join-token signing key'),
      GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true, IncludeSpace: false },
    });
  });

  it('hands the API its tables, bus, CA, bootstrap and join-token secrets and metrics namespace, and lets it use them', () => {
    service.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          TRELLIS_TABLE_NAME: importOf(/^TrellisData:ExportsOutputRefStorageTable/),
          TRELLIS_SIGNALS_TABLE_NAME: { Ref: Match.stringLikeRegexp('^SignalsTable') },
          TRELLIS_BUS_NAME: { Ref: Match.stringLikeRegexp('^EventsBus') },
          TRELLIS_CA_ARN: importOf(/^TrellisData:ExportsOutputFnGetAttPkiCertificateAuthority/),
          TRELLIS_BOOTSTRAP_KEY_SECRET_ARN: importOf(/^TrellisData:ExportsOutputRefBootstrapKeySecret/),
          TRELLIS_JOIN_TOKEN_SECRET_ARN: importOf(/^TrellisData:ExportsOutputRefJoinTokenKeySecret/),
          TRELLIS_CREDENTIALS_TABLE_NAME: importOf(/^TrellisData:ExportsOutputRefGatewayCredentialsTable/),
          TRELLIS_CREDENTIALS_KEY_ARN: importOf(/^TrellisData:ExportsOutputFnGetAttGatewayCredentialsKey/),
          // Certificate failures go to the alarms' namespace as EMF lines.
          TRELLIS_METRICS_NAMESPACE: 'Trellis/TrellisService',
        }),
      },
    });
    service.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^ApiHandlerRole') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: Match.arrayWith(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem']) }),
          Match.objectLike({ Action: 'events:PutEvents', Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EventsBus'), 'Arn'] } }),
          Match.objectLike({ Action: 'acm-pca:IssueCertificate' }),
          Match.objectLike({ Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], Resource: importOf(/^TrellisData:ExportsOutputRefBootstrapKeySecret/) }),
          Match.objectLike({ Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], Resource: importOf(/^TrellisData:ExportsOutputRefJoinTokenKeySecret/) }),
          Match.objectLike({ Action: Match.arrayWith(['dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:DeleteItem']), Resource: [importOf(/^TrellisData:ExportsOutputFnGetAttGatewayCredentialsTable/)] }),
          { Effect: 'Allow', Action: 'kms:GenerateDataKey', Resource: importOf(/^TrellisData:ExportsOutputFnGetAttGatewayCredentialsKey/) },
          Match.objectLike({ Action: ['dynamodb:UpdateItem', 'dynamodb:Query'], Resource: Match.arrayWith([{ 'Fn::GetAtt': [Match.stringLikeRegexp('^SignalsTable'), 'Arn'] }]) }),
        ]),
      },
    });
  });

  it('lets the API seal gateway credential keys but never open them, and the fleet open and read them but never write', () => {
    const policyOf = (role: RegExp) => JSON.stringify(Object.values(service.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp(role.source) }] } }))[0]?.Properties?.PolicyDocument);
    const credentialStatements = (role: RegExp) =>
      (JSON.parse(policyOf(role)) as { Statement: Array<{ Action: string | string[]; Resource: unknown }> }).Statement.filter((st) => /GatewayCredentials/.test(JSON.stringify(st.Resource))).flatMap((st) => [st.Action].flat());
    const api = credentialStatements(/^ApiHandlerRole/);
    const fleet = credentialStatements(/^XdsFleetTaskDefinitionTaskRole/);
    expect(api).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem', 'dynamodb:GetItem', 'dynamodb:Query', 'kms:GenerateDataKey']));
    expect(api).not.toContain('kms:Decrypt');
    expect(fleet).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query', 'kms:Decrypt']));
    for (const write of ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem', 'kms:GenerateDataKey', 'kms:Encrypt']) expect(fleet).not.toContain(write);
    service.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [
        Match.objectLike({
          Environment: Match.arrayWith([
            { Name: 'TRELLIS_CREDENTIALS_TABLE_NAME', Value: importOf(/^TrellisData:ExportsOutputRefGatewayCredentialsTable/) },
            { Name: 'TRELLIS_CREDENTIALS_KEY_ARN', Value: importOf(/^TrellisData:ExportsOutputFnGetAttGatewayCredentialsKey/) },
          ]),
        }),
      ],
    });
  });

  it('has no mapping, condition or layer that ties it to a list of regions', () => {
    for (const template of [data, service]) {
      expect(template.toJSON().Mappings).toBeUndefined();
      expect(template.toJSON().Conditions).toBeUndefined();
    }
    service.allResourcesProperties('AWS::Lambda::Function', { Layers: Match.absent() });
    expect(JSON.stringify([data.toJSON(), service.toJSON()])).not.toMatch(/"(us|eu|ap|sa|ca|me|af|il|mx)-[a-z]+-\d"/);
  });

  it('hands the fleet its configuration and grants it read-only table access, its subscriptions and metrics', () => {
    service.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [
        Match.objectLike({
          Environment: Match.arrayWith([
            { Name: 'TRELLIS_DEAD_LETTER_QUEUE_ARN', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EventsDeadLetterQueue'), 'Arn'] } },
            { Name: 'TRELLIS_METRICS_NAMESPACE', Value: 'Trellis/TrellisService' },
            { Name: 'TRELLIS_XDS_MTLS', Value: 'true' },
          ]),
        }),
      ],
    });
    const [fleetPolicy] = Object.values(service.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^XdsFleetTaskDefinitionTaskRole') }] } }));
    const actions = JSON.stringify(fleetPolicy?.Properties?.PolicyDocument);
    for (const action of ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'events:PutEvents', 'events:PutRule', 'sqs:ReceiveMessage', 'acm-pca:IssueCertificate', 'cloudwatch:PutMetricData', 'servicediscovery:ListInstances', 'sts:AssumeRole']) expect(actions).toContain(action);
    for (const action of ['servicediscovery:RegisterInstance', 'servicediscovery:*']) expect(actions).not.toContain(`"${action}"`);
    for (const action of ['dynamodb:*', 'dynamodb:DeleteTable', 'events:*', 'sqs:*']) expect(actions).not.toContain(`"${action}"`);
  });

  it('passes cfn-lint on every synthesized template: no error and no warning', () => {
    expect(cfnLint(trellis.assembly.stacks.map((s) => s.templateFullPath))).toEqual([]);
  }, 60_000);

  it('passes cfn-lint with xDS behind PrivateLink too', () => {
    const privateLink = synthTrellis({ 'aws:cdk:bundling-stacks': [], 'trellis:xdsExposure': 'privatelink', 'trellis:privateLinkPrincipals': 'arn:aws:iam::111122223333:root' });
    try {
      expect(cfnLint(privateLink.assembly.stacks.map((s) => s.templateFullPath))).toEqual([]);
    } finally {
      rmSync(privateLink.outdir, { recursive: true, force: true });
    }
  }, 90_000);
});
