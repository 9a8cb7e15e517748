import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type Metric,
  Stats,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { FargateService } from 'aws-cdk-lib/aws-ecs';
import type { NetworkLoadBalancer } from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { PolicyStatement, ServicePrincipal, type IRole } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { certificateIssueFailures, cloudMapPollFailures, convergenceP99, nackCount } from './trellis-metrics.ts';

export interface ObservabilityProps {
  httpApi: HttpApi;
  handler: IFunction;
  deadLetterQueue: IQueue;
  fleetService: FargateService;
  loadBalancer: NetworkLoadBalancer;
  /** Where the fleet publishes its custom metrics (trellis-metrics.ts). */
  metricsNamespace: string;
  /** Subscribed to the alarm topic when set. */
  alarmEmail?: string;
  /** Config convergence p99 above this many seconds alarms. */
  convergenceThresholdSeconds?: number;
}

const PERIOD = Duration.minutes(5);

/** One dashboard for the whole control plane, and alarms that notify an SNS topic. */
export class Observability extends Construct {
  readonly alarmTopic: Topic;
  readonly dashboard: Dashboard;
  readonly apiServerErrorsAlarm: Alarm;
  readonly handlerErrorsAlarm: Alarm;
  readonly handlerThrottlesAlarm: Alarm;
  readonly nackAlarm: Alarm;
  readonly convergenceAlarm: Alarm;
  readonly certificateFailuresAlarm: Alarm;
  readonly cloudMapPollFailuresAlarm: Alarm;
  readonly deadLetterAlarm: Alarm;
  readonly metricsNamespace: string;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    this.metricsNamespace = props.metricsNamespace;
    const ns = props.metricsNamespace;
    const topicKey = new Key(this, 'AlarmTopicKey', {
      description: 'Encrypts Trellis alarm notifications',
      enableKeyRotation: true,
      // Holds no data of its own: notifications are transient.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // CloudWatch publishes alarm notifications as itself, so the key policy must let it encrypt.
    topicKey.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.alarmTopic = new Topic(this, 'AlarmTopic', { displayName: 'Trellis alarms', masterKey: topicKey, enforceSSL: true });
    if (props.alarmEmail) this.alarmTopic.addSubscription(new EmailSubscription(props.alarmEmail));

    // Alarms take unlabelled metrics (a label makes CloudWatch store a metric-math form); the dashboard labels them.
    const apiServerErrors = props.httpApi.metricServerError({ period: PERIOD, statistic: Stats.SUM });
    const handlerErrors = props.handler.metricErrors({ period: PERIOD, statistic: Stats.SUM });
    const handlerThrottles = props.handler.metricThrottles({ period: PERIOD, statistic: Stats.SUM });
    const deadLetters = props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: Stats.MAXIMUM });

    const alarm = (id: string, metric: IMetric, threshold: number, description: string, evaluationPeriods = 1) => {
      const created = new Alarm(this, id, {
        metric,
        threshold,
        evaluationPeriods,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        // No data means no traffic or no events: nothing is failing.
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      created.addAlarmAction(new SnsAction(this.alarmTopic));
      created.addOkAction(new SnsAction(this.alarmTopic));
      return created;
    };
    this.apiServerErrorsAlarm = alarm('ApiServerErrors', apiServerErrors, 5, 'The API answered 5 or more 5xx responses in 5 minutes.');
    this.handlerErrorsAlarm = alarm('HandlerErrors', handlerErrors, 1, 'The API Lambda failed (threw or timed out).');
    this.handlerThrottlesAlarm = alarm('HandlerThrottles', handlerThrottles, 1, 'The API Lambda was throttled: raise its concurrency or the account limit.');
    this.nackAlarm = alarm('Nacks', nackCount(ns), 1, 'Proxies rejected config (NACK): see GET /v1/meshes/{mesh}/proxies for the error.');
    const convergenceSeconds = props.convergenceThresholdSeconds ?? 30;
    this.convergenceAlarm = alarm('Convergence', convergenceP99(ns), convergenceSeconds, `Config took ${convergenceSeconds} s or more (p99) to reach proxies, twice in a row.`, 2);
    this.certificateFailuresAlarm = alarm('CertificateFailures', certificateIssueFailures(ns), 1, 'The CA failed to issue workload certificates.');
    // Five failed polls are 2.5 minutes of one source failing at the default 30 s period: past a blip, before its endpoints (three periods) expire.
    this.cloudMapPollFailuresAlarm = alarm(
      'CloudMapPollFailures',
      cloudMapPollFailures(ns),
      5,
      'Cloud Map registry sources failed to poll 5 or more times in 5 minutes; their endpoints expire three periods after the last success. `trellis mesh sources MESH` (GET /v1/meshes/{mesh}/registry-sources) shows which source and its error.',
    );
    this.deadLetterAlarm = alarm('DeadLetters', deadLetters, 1, 'Change events were dead-lettered: a replica could not process them (reconciliation still applies them).');

    this.dashboard = new Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(3) });
    const graph = (title: string, left: IMetric[], right: IMetric[] = []) => new GraphWidget({ title, left, right, width: 12, height: 6 });
    const labelled = (metric: Metric, label: string) => metric.with({ label });
    this.dashboard.addWidgets(
      new AlarmStatusWidget({
        title: 'Alarms',
        width: 24,
        alarms: [this.apiServerErrorsAlarm, this.handlerErrorsAlarm, this.handlerThrottlesAlarm, this.nackAlarm, this.convergenceAlarm, this.certificateFailuresAlarm, this.cloudMapPollFailuresAlarm, this.deadLetterAlarm],
      }),
    );
    this.dashboard.addWidgets(
      graph('API requests and errors', [props.httpApi.metricCount({ period: PERIOD, statistic: Stats.SUM, label: 'Requests' })], [labelled(apiServerErrors, 'API 5xx'), props.httpApi.metricClientError({ period: PERIOD, statistic: Stats.SUM, label: 'API 4xx' })]),
      graph('API latency', [props.httpApi.metricLatency({ period: PERIOD, statistic: Stats.p(99), label: 'p99' }), props.httpApi.metricIntegrationLatency({ period: PERIOD, statistic: Stats.p(99), label: 'integration p99' })]),
    );
    this.dashboard.addWidgets(
      graph('API Lambda', [labelled(handlerErrors, 'errors'), labelled(handlerThrottles, 'throttles')], [props.handler.metricDuration({ period: PERIOD, statistic: Stats.p(99), label: 'duration p99' })]),
      graph('xDS: NACKs and convergence', [labelled(nackCount(ns), 'NACKs')], [labelled(convergenceP99(ns), 'convergence p99 (s)')]),
    );
    this.dashboard.addWidgets(
      graph('xds-server fleet', [props.fleetService.metricCpuUtilization({ period: PERIOD, label: 'CPU %' }), props.fleetService.metricMemoryUtilization({ period: PERIOD, label: 'memory %' })]),
      graph('xDS connections (NLB)', [props.loadBalancer.metrics.activeFlowCount({ period: PERIOD, label: 'active streams' }), props.loadBalancer.metrics.newFlowCount({ period: PERIOD, label: 'new streams' })]),
    );
    this.dashboard.addWidgets(
      graph('Certificates and dead letters', [labelled(certificateIssueFailures(ns), 'certificate failures')], [labelled(deadLetters, 'dead letters')]),
      graph('Cloud Map registry sources', [labelled(cloudMapPollFailures(ns), 'failed polls')]),
    );
  }

  /** Lets the role publish this deployment's custom metrics, and no other namespace. */
  grantPutMetrics(role: IRole): void {
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['cloudwatch:PutMetricData'],
        // PutMetricData has no resource type; the namespace condition is what scopes it.
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': this.metricsNamespace } },
      }),
    );
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: "cloudwatch:PutMetricData has no resource type; the cloudwatch:namespace condition limits it to this deployment's Trellis namespace.",
    });
  }
}
