import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Vpc } from 'aws-cdk-lib/aws-ec2';
import { Cluster, ContainerImage, FargateService, FargateTaskDefinition } from 'aws-cdk-lib/aws-ecs';
import { NetworkLoadBalancer } from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { Observability } from './constructs/observability.ts';

function fixtures(stack: Stack) {
  const vpc = new Vpc(stack, 'Vpc', { natGateways: 0 });
  const taskDefinition = new FargateTaskDefinition(stack, 'Task');
  taskDefinition.addContainer('c', { image: ContainerImage.fromRegistry('public.ecr.aws/docker/library/busybox:latest') });
  return {
    httpApi: new HttpApi(stack, 'HttpApi'),
    handler: new LambdaFunction(stack, 'Fn', { runtime: Runtime.NODEJS_22_X, handler: 'index.handler', code: Code.fromInline('export const handler = () => {}') }),
    deadLetterQueue: new Queue(stack, 'Dlq'),
    fleetService: new FargateService(stack, 'Service', { cluster: new Cluster(stack, 'Cluster', { vpc }), taskDefinition }),
    loadBalancer: new NetworkLoadBalancer(stack, 'Nlb', { vpc }),
  };
}

describe('Observability', () => {
  // GIVEN a stack with the Observability construct over the resources it watches, an alarm e-mail, and a metrics role
  const stack = new Stack();
  const observability = new Observability(stack, 'Observability', { ...fixtures(stack), alarmEmail: 'ops@example.com', metricsNamespace: 'Trellis/Blue' });
  observability.grantPutMetrics(new Role(stack, 'Publisher', { assumedBy: new ServicePrincipal('ecs-tasks.amazonaws.com') }));
  // WHEN it is synthesized
  const template = Template.fromStack(stack);
  const toTopic = [{ Ref: Match.stringLikeRegexp('^ObservabilityAlarmTopic') }];

  it('alarms on API 5xx, Lambda errors and throttles, into the topic', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/ApiGateway', MetricName: '5xx', Statistic: 'Sum', Threshold: 5, AlarmActions: toTopic, OKActions: toTopic });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/Lambda', MetricName: 'Errors', Threshold: 1, AlarmActions: toTopic });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/Lambda', MetricName: 'Throttles', Threshold: 1, AlarmActions: toTopic });
  });

  it("alarms on NACKs, p99 convergence and certificate failures from the deployment's namespace", () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'Trellis/Blue', MetricName: 'NackCount', Statistic: 'Sum', Threshold: 1, TreatMissingData: 'notBreaching' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'Trellis/Blue', MetricName: 'ConvergenceSeconds', ExtendedStatistic: 'p99', Threshold: 30, EvaluationPeriods: 2 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'Trellis/Blue', MetricName: 'CertificateIssueFailures', Statistic: 'Sum', Threshold: 1 });
  });

  it('alarms when Cloud Map sources keep failing to poll, naming where to see which one', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Trellis/Blue',
      MetricName: 'CloudMapPollFailures',
      Statistic: 'Sum',
      Period: 300,
      Threshold: 5,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: toTopic,
      AlarmDescription: Match.stringLikeRegexp('trellis mesh sources'),
    });
  });

  it('alarms as soon as one message is in the dead-letter queue', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Statistic: 'Maximum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 8);
  });

  it('notifies through a KMS-encrypted, TLS-only topic that CloudWatch may encrypt for, and the configured e-mail', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] })]) },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
  });

  it('has one dashboard that shows every alarm and the custom metrics', () => {
    const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    expect(dashboards).toHaveLength(1);
    const body = JSON.stringify(dashboards[0]?.Properties?.DashboardBody);
    for (const metric of ['NackCount', 'ConvergenceSeconds', 'CertificateIssueFailures', 'CloudMapPollFailures', '5xx', 'Throttles', 'ApproximateNumberOfMessagesVisible', 'ActiveFlowCount', 'CPUUtilization']) {
      expect(body, metric).toContain(metric);
    }
    expect(body).toContain('"type\\":\\"alarm\\"');
  });

  it("lets a role publish metrics to the deployment's namespace only", () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'cloudwatch:PutMetricData', Resource: '*', Condition: { StringEquals: { 'cloudwatch:namespace': 'Trellis/Blue' } } }] },
    });
  });
});
