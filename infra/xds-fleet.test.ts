import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { XdsFleet } from './constructs/xds-fleet.ts';

describe('XdsFleet', () => {
  // GIVEN a stack with the XdsFleet construct (the image is only staged: no Docker needed)
  const stack = new Stack();
  new XdsFleet(stack, 'Fleet', {
    minTasks: 2,
    maxTasks: 5,
    natGateways: 1,
    ingressCidr: '0.0.0.0/0',
    exposure: 'internet',
    logRetention: RetentionDays.ONE_MONTH,
    environment: { TRELLIS_BUS_NAME: 'trellis-config' },
  });
  // WHEN it is synthesized
  const template = Template.fromStack(stack);

  it('is a two-AZ VPC with one NAT gateway and free gateway endpoints for DynamoDB and S3', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
    template.resourcePropertiesCountIs('AWS::EC2::Subnet', { MapPublicIpOnLaunch: false }, 2);
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 2);
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Gateway', ServiceName: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('dynamodb')])] }) });
    template.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'REJECT' });
  });

  it('runs the xds-server image on Fargate arm64 in a cluster with Container Insights', () => {
    template.hasResourceProperties('AWS::ECS::Cluster', { ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }] });
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      RequiresCompatibilities: ['FARGATE'],
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
      ContainerDefinitions: [
        Match.objectLike({
          Name: 'xds-server',
          PortMappings: [Match.objectLike({ ContainerPort: 18000 }), Match.objectLike({ ContainerPort: 9090 })],
          Environment: Match.arrayWith([{ Name: 'TRELLIS_BUS_NAME', Value: 'trellis-config' }, { Name: 'TRELLIS_XDS_PORT', Value: '18000' }]),
          HealthCheck: Match.objectLike({ Command: ['CMD', 'node', '-e', Match.stringLikeRegexp('127.0.0.1:9090/healthz')] }),
          ReadonlyRootFilesystem: true,
          LogConfiguration: Match.objectLike({ LogDriver: 'awslogs' }),
        }),
      ],
    });
    template.hasResourceProperties('AWS::ECS::Service', {
      LaunchType: 'FARGATE',
      DesiredCount: 2,
      DeploymentConfiguration: Match.objectLike({ DeploymentCircuitBreaker: { Enable: true, Rollback: true }, MinimumHealthyPercent: 100 }),
      NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'DISABLED' }) },
      LoadBalancers: [Match.objectLike({ ContainerName: 'xds-server', ContainerPort: 18000 })],
    });
  });

  it('is reached through an internet-facing NLB with a TCP listener on 18000', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Type: 'network', Scheme: 'internet-facing', SecurityGroups: [Match.anyValue()] });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 18000, Protocol: 'TCP' });
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupIngress: [Match.objectLike({ CidrIp: '0.0.0.0/0', FromPort: 18000, ToPort: 18000, IpProtocol: 'tcp' })],
    });
  });

  it('health-checks targets over HTTP on the admin port and closes streams of draining tasks', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      Port: 18000,
      Protocol: 'TCP',
      TargetType: 'ip',
      HealthCheckProtocol: 'HTTP',
      HealthCheckPort: '9090',
      HealthCheckPath: '/healthz',
      TargetGroupAttributes: Match.arrayWith([
        { Key: 'deregistration_delay.timeout_seconds', Value: '30' },
        { Key: 'deregistration_delay.connection_termination.enabled', Value: 'true' },
      ]),
    });
  });

  it('scales between the minimum and maximum task count on CPU', () => {
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 2, MaxCapacity: 5, ScalableDimension: 'ecs:service:DesiredCount' });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({ TargetValue: 60, PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' } }),
    });
  });
});

describe('XdsFleet exposure', () => {
  const synth = (exposure: 'internet' | 'privatelink') => {
    const stack = new Stack();
    new XdsFleet(stack, 'Fleet', {
      minTasks: 2,
      maxTasks: 2,
      natGateways: 1,
      ingressCidr: '0.0.0.0/0',
      exposure,
      privateLinkPrincipals: exposure === 'privatelink' ? ['arn:aws:iam::111122223333:root'] : [],
      logRetention: RetentionDays.ONE_MONTH,
      environment: {},
    });
    return Template.fromStack(stack);
  };

  it('internet: a public NLB and no endpoint service', () => {
    const template = synth('internet');
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Scheme: 'internet-facing' });
    template.resourceCountIs('AWS::EC2::VPCEndpointService', 0);
  });

  it('privatelink: an internal NLB in the private subnets behind an endpoint service that needs acceptance', () => {
    const template = synth('privatelink');
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Scheme: 'internal',
      Subnets: [{ Ref: Match.stringLikeRegexp('^FleetVpcPrivateSubnet1') }, { Ref: Match.stringLikeRegexp('^FleetVpcPrivateSubnet2') }],
      EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic: 'off',
    });
    template.hasResourceProperties('AWS::EC2::VPCEndpointService', { AcceptanceRequired: true, NetworkLoadBalancerArns: [{ Ref: Match.stringLikeRegexp('^FleetLoadBalancer') }] });
    template.hasResourceProperties('AWS::EC2::VPCEndpointServicePermissions', { AllowedPrincipals: ['arn:aws:iam::111122223333:root'] });
  });

  it('privatelink: nothing on the internet or in the VPC may open xDS connections past the NLB security group', () => {
    const template = synth('privatelink');
    const groups = Object.values(template.findResources('AWS::EC2::SecurityGroup', { Properties: { GroupDescription: 'xDS clients to the NLB' } }));
    expect(groups).toHaveLength(1);
    expect(groups[0]?.Properties?.SecurityGroupIngress).toBeUndefined();
    template.resourcePropertiesCountIs('AWS::EC2::SecurityGroupIngress', { CidrIp: Match.anyValue() }, 0);
  });
});
