import { type CfnResource, Duration, Validations } from 'aws-cdk-lib';
import { FlowLogDestination, FlowLogTrafficType, GatewayVpcEndpointAwsService, Peer, Port, SecurityGroup, SubnetType, Vpc, VpcEndpointService } from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import {
  Cluster,
  ContainerImage,
  ContainerInsights,
  CpuArchitecture,
  FargateService,
  FargateTaskDefinition,
  LogDrivers,
  OperatingSystemFamily,
  Protocol as EcsProtocol,
  type ScalableTaskCount,
} from 'aws-cdk-lib/aws-ecs';
import { NetworkLoadBalancer, Protocol, type NetworkListener, type NetworkTargetGroup } from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { ArnPrincipal, type IRole } from 'aws-cdk-lib/aws-iam';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { XdsExposure } from '../config.ts';
import { REPO_ROOT } from '../paths.ts';
import { ADMIN_PORT, HEALTH_PROBE, XDS_PORT } from '../xds-server-contract.ts';
import { dropRedundantDependency } from './redundant-dependency.ts';

export const CONTAINER_NAME = 'xds-server';

export interface XdsFleetProps {
  minTasks: number;
  maxTasks: number;
  /** NAT gateways for the private subnets. */
  natGateways: number;
  /** Who may reach the xDS port through the internet-facing NLB (internet exposure only). */
  ingressCidr: string;
  /** `internet`: a public NLB. `privatelink`: an internal NLB behind a VPC endpoint service. */
  exposure: XdsExposure;
  /** Principals allowed to create interface endpoints to the service (privatelink only; each connection still needs acceptance). */
  privateLinkPrincipals?: string[];
  logRetention: RetentionDays;
  /** Runtime configuration of the xds-server (table, bus, dead-letter queue, CA). */
  environment: Record<string, string>;
}

/**
 * The xds-server replicas: Fargate tasks in private subnets behind an NLB that passes TCP through
 * (the server terminates mTLS itself, so it sees each proxy's certificate). The NLB faces the
 * internet, or with `privatelink` stays internal behind a VPC endpoint service that tenants reach
 * from their own VPCs through interface endpoints.
 */
export class XdsFleet extends Construct {
  readonly vpc: Vpc;
  readonly cluster: Cluster;
  readonly taskDefinition: FargateTaskDefinition;
  readonly logGroup: LogGroup;
  readonly service: FargateService;
  readonly loadBalancer: NetworkLoadBalancer;
  readonly listener: NetworkListener;
  readonly targetGroup: NetworkTargetGroup;
  readonly scaling: ScalableTaskCount;
  /** The PrivateLink service in front of the NLB (privatelink exposure only). */
  readonly endpointService?: VpcEndpointService;
  /** What the xds-server code may do in AWS; stacks grant to it. */
  readonly taskRole: IRole;

  constructor(scope: Construct, id: string, props: XdsFleetProps) {
    super(scope, id);
    const flowLogs = new LogGroup(this, 'FlowLogs', { retention: props.logRetention });
    // Two AZs; NAT for what has no gateway endpoint (ECR API, EventBridge, SQS, ACM PCA, CloudWatch).
    // One NAT gateway costs far less than the seven interface endpoints those services would need.
    this.vpc = new Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: props.natGateways,
      subnetConfiguration: [
        { name: 'Public', subnetType: SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'Private', subnetType: SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
      ],
      // Free, and keeps table reads and image layers (S3) off the NAT gateway's per-GB charge.
      gatewayEndpoints: {
        DynamoDb: { service: GatewayVpcEndpointAwsService.DYNAMODB },
        S3: { service: GatewayVpcEndpointAwsService.S3 },
      },
      // Rejected traffic only: what a security review needs, at a fraction of the ingestion cost of ALL.
      flowLogs: { Rejected: { destination: FlowLogDestination.toCloudWatchLogs(flowLogs), trafficType: FlowLogTrafficType.REJECT } },
      // Nothing uses the default security group; stripping it would take a custom-resource Lambda.
      restrictDefaultSecurityGroup: false,
    });

    this.cluster = new Cluster(this, 'Cluster', { vpc: this.vpc, containerInsightsV2: ContainerInsights.ENABLED });

    this.taskDefinition = new FargateTaskDefinition(this, 'TaskDefinition', {
      cpu: 512,
      memoryLimitMiB: 1024,
      // Graviton: about 20% cheaper per vCPU-hour; the image is built for arm64 to match.
      runtimePlatform: { cpuArchitecture: CpuArchitecture.ARM64, operatingSystemFamily: OperatingSystemFamily.LINUX },
    });
    this.taskRole = this.taskDefinition.taskRole;
    this.logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention });
    this.taskDefinition.addContainer('XdsServer', {
      containerName: CONTAINER_NAME,
      image: ContainerImage.fromAsset(REPO_ROOT, { file: 'xds-server/Dockerfile', platform: Platform.LINUX_ARM64 }),
      environment: { ...props.environment, TRELLIS_XDS_PORT: String(XDS_PORT), TRELLIS_ADMIN_PORT: String(ADMIN_PORT) },
      portMappings: [
        { containerPort: XDS_PORT, protocol: EcsProtocol.TCP, name: 'xds' },
        { containerPort: ADMIN_PORT, protocol: EcsProtocol.TCP, name: 'admin' },
      ],
      logging: LogDrivers.awsLogs({ streamPrefix: 'xds-server', logGroup: this.logGroup }),
      // ECS ignores the image's HEALTHCHECK; this is the same probe.
      healthCheck: { command: ['CMD', 'node', '-e', HEALTH_PROBE], interval: Duration.seconds(15), timeout: Duration.seconds(5), retries: 3, startPeriod: Duration.seconds(30) },
      readonlyRootFilesystem: true,
      stopTimeout: Duration.seconds(30),
    });
    Validations.of(this.taskDefinition).acknowledge(
      { id: 'AwsSolutions-ECS2', reason: 'The variables hold names, ARNs and ports (table, bus, queue, CA, metric namespace): configuration, not secrets. The task reads no secret.' },
      { id: 'AwsSolutions-IAM5[Resource::*]', reason: 'CDK-generated execution role: ecr:GetAuthorizationToken has no resource type; its other statements name the image repository and log group.' },
    );

    const internet = props.exposure === 'internet';
    const lbSecurityGroup = new SecurityGroup(this, 'LoadBalancerSecurityGroup', { vpc: this.vpc, description: 'xDS clients to the NLB', allowAllOutbound: false });
    // PrivateLink traffic skips the inbound rules (below): the endpoint service decides who connects.
    if (internet) {
      lbSecurityGroup.addIngressRule(Peer.ipv4(props.ingressCidr), Port.tcp(XDS_PORT), 'xDS (gRPC, mTLS) from proxies');
      Validations.of(lbSecurityGroup).acknowledge({
        id: 'AwsSolutions-EC23',
        reason: 'Proxies in tenants\' clusters dial xDS over the internet, and every connection is authenticated with a workload certificate (mTLS). Narrow it with context trellis:xdsIngressCidr.',
      });
    }
    const taskSecurityGroup = new SecurityGroup(this, 'TaskSecurityGroup', { vpc: this.vpc, description: 'xds-server tasks', allowAllOutbound: true });

    this.service = new FargateService(this, 'Service', {
      cluster: this.cluster,
      taskDefinition: this.taskDefinition,
      desiredCount: props.minTasks,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { rollback: true },
      healthCheckGracePeriod: Duration.seconds(60),
      vpcSubnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [taskSecurityGroup],
      assignPublicIp: false,
    });

    this.loadBalancer = new NetworkLoadBalancer(this, 'LoadBalancer', {
      vpc: this.vpc,
      internetFacing: internet,
      ...(!internet && { vpcSubnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS }, enforceSecurityGroupInboundRulesOnPrivateLinkTraffic: false }),
      crossZoneEnabled: true,
      securityGroups: [lbSecurityGroup],
    });
    Validations.of(this.loadBalancer).acknowledge({
      id: 'AwsSolutions-ELB2',
      reason: 'NLB access logs exist only for TLS listeners; this listener passes TCP through so the xds-server itself authenticates each proxy certificate (mTLS).',
    });
    this.listener = this.loadBalancer.addListener('Grpc', { port: XDS_PORT, protocol: Protocol.TCP });
    this.targetGroup = this.listener.addTargets('Fleet', {
      port: XDS_PORT,
      protocol: Protocol.TCP,
      targets: [this.service.loadBalancerTarget({ containerName: CONTAINER_NAME, containerPort: XDS_PORT })],
      healthCheck: {
        protocol: Protocol.HTTP,
        port: String(ADMIN_PORT),
        path: '/healthz',
        interval: Duration.seconds(10),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 2,
      },
      deregistrationDelay: Duration.seconds(30),
    });
    // The service's LoadBalancers entry is a Ref of the target group already.
    dropRedundantDependency(this.service.node.defaultChild as CfnResource, this.targetGroup.node.defaultChild as CfnResource);
    // ADS streams live for hours: close them when a task drains so proxies reconnect to a live replica.
    this.targetGroup.setAttribute('deregistration_delay.connection_termination.enabled', 'true');
    for (const port of [XDS_PORT, ADMIN_PORT]) {
      taskSecurityGroup.addIngressRule(lbSecurityGroup, Port.tcp(port), port === XDS_PORT ? 'xDS from the NLB' : 'health checks from the NLB');
      lbSecurityGroup.addEgressRule(taskSecurityGroup, Port.tcp(port), port === XDS_PORT ? 'xDS to the tasks' : 'health checks to the tasks');
    }

    if (!internet) {
      this.endpointService = new VpcEndpointService(this, 'EndpointService', {
        vpcEndpointServiceLoadBalancers: [this.loadBalancer],
        // Every new endpoint waits for an operator's acceptance, allow-listed principal or not.
        acceptanceRequired: true,
        allowedPrincipals: (props.privateLinkPrincipals ?? []).map((arn) => new ArnPrincipal(arn)),
      });
    }

    this.scaling = this.service.autoScaleTaskCount({ minCapacity: props.minTasks, maxCapacity: props.maxTasks });
    this.scaling.scaleOnCpuUtilization('Cpu', {
      targetUtilizationPercent: 60,
      scaleInCooldown: Duration.minutes(5),
      scaleOutCooldown: Duration.minutes(1),
    });
  }
}
