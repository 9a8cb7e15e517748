import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { Api } from './constructs/api.ts';

describe('Api', () => {
  // GIVEN a stack with the Api construct (bundling skipped here: app.test.ts synthesizes the real bundle)
  const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Api');
  new Api(stack, 'Api', {
    environment: { TRELLIS_TABLE_NAME: 'table' },
    throttle: { rateLimit: 25, burstLimit: 40 },
    logRetention: RetentionDays.TWO_WEEKS,
  });
  // WHEN it is synthesized
  const template = Template.fromStack(stack);

  it('runs the handler on Node 22, arm64, ESM with source maps, with its configuration', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: 29,
      Environment: { Variables: Match.objectLike({ TRELLIS_TABLE_NAME: 'table', NODE_OPTIONS: '--enable-source-maps' }) },
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('^ApiHandlerLogs') } },
      // No extension layer: its ARN map would limit the regions the stack deploys in.
      Layers: Match.absent(),
    });
  });

  it('sends every route to the Lambda through the $default route of an HTTP API', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: '$default' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', { IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
  });

  it('throttles the default route and writes JSON access logs to a log group with retention', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 25, ThrottlingBurstLimit: 40 },
      AccessLogSettings: {
        DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ApiAccessLogs'), 'Arn'] },
        Format: Match.serializedJson(Match.objectLike({ requestId: '$context.requestId', status: '$context.status', integrationError: '$context.integrationErrorMessage' })),
      },
    });
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 14 });
  });

  it('lets the functions write only to their own log groups (one role, no managed policy)', () => {
    template.resourceCountIs('AWS::IAM::Role', 1);
    template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent(), AssumeRolePolicyDocument: Match.objectLike({ Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })] }) });
    const logWrite = (group: string) => Match.objectLike({ Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp(`^${group}`), 'Arn'] } });
    template.hasResourceProperties('AWS::IAM::Policy', { PolicyDocument: { Statement: [logWrite('ApiHandlerLogs'), logWrite('ApiPreviewLogs')] } });
  });

  it('sends proxy-config and apply (with its dry-run preview) to the preview function, everything else to the API function', () => {
    const functions = template.findResources('AWS::Lambda::Function');
    const names = Object.keys(functions);
    expect(names.filter((n) => n.startsWith('ApiPreviewHandler'))).toHaveLength(1);
    expect(names.filter((n) => n.startsWith('ApiHandler'))).toHaveLength(1);
    const integrations = template.findResources('AWS::ApiGatewayV2::Integration');
    const target = (integrationId: string) => JSON.stringify(integrations[integrationId]?.Properties?.IntegrationUri);
    // A route's Target is `integrations/<Ref of its integration>`.
    const integrationOf = (route: { [key: string]: unknown }) => (route as { Properties: { Target: { 'Fn::Join': [string, [string, { Ref: string }]] } } }).Properties.Target['Fn::Join'][1][1].Ref;
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map((r) => ({ key: r.Properties.RouteKey as string, to: target(integrationOf(r)) }));
    expect(routes.map((r) => r.key).sort()).toEqual(['$default', 'GET /v1/meshes/{mesh}/proxies/{proxyId}/config', 'POST /v1/meshes/{mesh}/apply']);
    for (const r of routes) expect(r.to).toContain(r.key === '$default' ? 'ApiHandler' : 'ApiPreviewHandler');
  });
});
