import { CfnOutput, Duration, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { Api } from '../constructs/api.ts';
import { Events } from '../constructs/events.ts';
import { GoldenSignals } from '../constructs/golden-signals.ts';
import { Observability } from '../constructs/observability.ts';
import { metricsNamespace } from '../constructs/trellis-metrics.ts';
import { XdsFleet } from '../constructs/xds-fleet.ts';
import type { TrellisConfig } from '../config.ts';
import { RUNTIME_ENV } from '../runtime-environment.ts';
import { XDS_PORT } from '../xds-server-contract.ts';
import type { DataStack } from './data-stack.ts';

export interface ServiceStackProps extends StackProps {
  config: TrellisConfig;
  data: DataStack;
}

/** The stateless control plane: change bus, API, golden signals, xds-server fleet, dashboard and alarms. */
export class ServiceStack extends Stack {
  readonly events: Events;
  readonly signals: GoldenSignals;
  readonly api: Api;
  readonly fleet: XdsFleet;
  readonly observability: Observability;

  constructor(scope: Construct, id: string, props: ServiceStackProps) {
    super(scope, id, { description: 'Trellis control plane: API, change bus, xds-server fleet, alarms', ...props });
    const { config } = props;
    const { table } = props.data.storage;
    const { pki } = props.data;
    const { secret: bootstrapSecret } = props.data.bootstrapKey;
    const { secret: joinTokenSecret } = props.data.joinTokenKey;
    const { gatewayCredentials } = props.data;
    const namespace = metricsNamespace(this.stackName);

    this.events = new Events(this, 'Events', { archiveRetention: Duration.days(config.eventArchiveDays) });
    this.signals = new GoldenSignals(this, 'Signals');

    const shared = {
      [RUNTIME_ENV.tableName]: table.tableName,
      [RUNTIME_ENV.busName]: this.events.bus.eventBusName,
      [RUNTIME_ENV.certificateAuthorityArn]: pki.certificateAuthorityArn,
      [RUNTIME_ENV.credentialsTableName]: gatewayCredentials.table.tableName,
      [RUNTIME_ENV.credentialsKeyArn]: gatewayCredentials.key.keyArn,
    };
    this.api = new Api(this, 'Api', {
      // The API reports certificate failures as EMF log lines in the deployment's namespace (no PutMetricData permission needed).
      environment: { ...shared, [RUNTIME_ENV.signalsTableName]: this.signals.table.tableName, [RUNTIME_ENV.bootstrapKeySecretArn]: bootstrapSecret.secretArn, [RUNTIME_ENV.joinTokenSecretArn]: joinTokenSecret.secretArn, [RUNTIME_ENV.metricsNamespace]: namespace },
      throttle: { rateLimit: config.apiThrottleRate, burstLimit: config.apiThrottleBurst },
      logRetention: config.logRetentionDays,
    });
    this.fleet = new XdsFleet(this, 'XdsFleet', {
      minTasks: config.fleetMinTasks,
      maxTasks: config.fleetMaxTasks,
      natGateways: config.natGateways,
      ingressCidr: config.xdsIngressCidr,
      exposure: config.xdsExposure,
      privateLinkPrincipals: config.privateLinkPrincipals,
      logRetention: config.logRetentionDays,
      environment: {
        ...shared,
        [RUNTIME_ENV.deadLetterQueueArn]: this.events.deadLetterQueue.queueArn,
        [RUNTIME_ENV.metricsNamespace]: namespace,
        [RUNTIME_ENV.xdsMtls]: String(config.xdsMtls),
      },
    });
    this.observability = new Observability(this, 'Observability', {
      httpApi: this.api.httpApi,
      handler: this.api.handler,
      deadLetterQueue: this.events.deadLetterQueue,
      fleetService: this.fleet.service,
      loadBalancer: this.fleet.loadBalancer,
      metricsNamespace: namespace,
      alarmEmail: config.alarmEmail,
    });

    // The API commits config, announces revisions, issues workload certificates (signing join tokens) and adopts the bootstrap key.
    table.grantReadWriteData(this.api.handler);
    this.events.bus.grantPutEventsTo(this.api.handler);
    pki.grantIssue(this.api.handler);
    bootstrapSecret.grantRead(this.api.handler);
    joinTokenSecret.grantRead(this.api.handler);
    gatewayCredentials.grantManage(this.api.handler);
    // Sidecars report golden signals to the API, which sums them across its instances.
    this.signals.grantReportAndRead(this.api.handler);

    // A replica reads config, commits the WorkloadEntries of the sidecars it registers and NACK
    // rollbacks (and announces them), keeps its own subscription, gets its serving certificate
    // and reports metrics.
    table.grantReadWriteData(this.fleet.taskRole);
    this.events.bus.grantPutEventsTo(this.fleet.taskRole);
    this.events.grantReplicaSubscriptions(this.fleet.taskRole);
    pki.grantIssue(this.fleet.taskRole);
    this.observability.grantPutMetrics(this.fleet.taskRole);
    // Cloud Map sources a mesh names (registrySources.cloudMap): read in this account, or through a
    // tenant's role that trusts the fleet's role with the tenant id as external id.
    this.fleet.taskRole.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['servicediscovery:ListNamespaces', 'servicediscovery:ListServices', 'servicediscovery:ListInstances'], resources: ['*'] }),
    );
    this.fleet.taskRole.addToPrincipalPolicy(new PolicyStatement({ actions: ['sts:AssumeRole'], resources: ['*'] }));
    Validations.of(this.fleet.taskRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: "Cloud Map's List actions take no resource; sts:AssumeRole is on tenants' own roles in their accounts, whose trust policies name the fleet role and require the tenant id as external id.",
    });
    // Gateways get their uploaded certificates over SDS: the fleet reads them and opens their keys.
    gatewayCredentials.grantServe(this.fleet.taskRole);

    new CfnOutput(this, 'ApiUrl', { value: this.api.stage.url, description: 'Trellis API base URL (TRELLIS_URL)' });
    if (this.fleet.endpointService) {
      new CfnOutput(this, 'XdsEndpointServiceName', { value: this.fleet.endpointService.vpcEndpointServiceName, description: `PrivateLink service for an interface endpoint in the proxies' VPC; proxies dial its DNS name on port ${XDS_PORT}` });
    } else {
      new CfnOutput(this, 'XdsEndpoint', { value: `${this.fleet.loadBalancer.loadBalancerDnsName}:${XDS_PORT}`, description: 'xDS (gRPC, mTLS) address for proxies' });
    }
    new CfnOutput(this, 'DashboardName', { value: this.observability.dashboard.dashboardName });
  }
}
