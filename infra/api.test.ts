import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, it } from 'vitest';
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

  it('lets the function write only to its own log group (no managed policy)', () => {
    template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent(), AssumeRolePolicyDocument: Match.objectLike({ Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })] }) });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [Match.objectLike({ Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ApiHandlerLogs'), 'Arn'] } })] },
    });
  });
});
