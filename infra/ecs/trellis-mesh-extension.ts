import { Duration, Stack, Token } from 'aws-cdk-lib';
import {
  AppMeshProxyConfiguration,
  ContainerDependencyCondition,
  ContainerImage,
  LogDrivers,
  NetworkMode,
  type CfnTaskDefinition,
  type ContainerDefinition,
  type TaskDefinition,
} from 'aws-cdk-lib/aws-ecs';
import { LogGroup, RetentionDays, type ILogGroup } from 'aws-cdk-lib/aws-logs';
import { PROXY_IMAGE } from '../../release/images.ts';
import { addMetricsExport, type MetricsExport } from './metrics-export.ts';

/** The proxy image: trellis-agent with Envoy, the agent supervising Envoy and serving it SDS on a Unix socket. */
export const DEFAULT_TRELLIS_PROXY_IMAGE = PROXY_IMAGE;
export const PROXY_CONTAINER_NAME = 'trellis-proxy';
/** Envoy runs as this user; its own traffic is not redirected (ignoredUID). */
export const PROXY_UID = 1337;
export const PROXY_PORTS = { inbound: 15006, outbound: 15001, ready: 15021, admin: 15000, metrics: 15020 } as const;
/** Where the agent serves its merged Prometheus scrape (Envoy, Istio standard metrics, agent, app). */
export const METRICS_PATH = '/stats/prometheus';
/** ECS credentials/metadata endpoint and instance metadata: the agent's own AWS calls bypass the proxy. */
export const EGRESS_IGNORED_IPS = ['169.254.170.2', '169.254.169.254'];

export interface TrellisMeshOptions {
  /** Trellis API URL (certificates, trust bundle). */
  apiUrl: string;
  /** xDS server address, host:port. */
  xdsAddress: string;
  mesh: string;
  /** The identity registered for the task role (`trellis attestation ecs-role add`). */
  namespace: string;
  serviceAccount: string;
  /** Tenant whose registered roles vouch for the task (default `default`). */
  tenant?: string;
  /** Workload name in proxy status (default: the task definition family). */
  workloadName?: string;
  /**
   * WorkloadGroup (in `namespace`) the tasks join: its template fixes the service account and
   * labels they may register with; a task proving another identity is refused (`trellis proxy-status`).
   */
  workloadGroup?: string;
  /** Ports the application serves; inbound traffic to them goes through the proxy. */
  appPorts: number[];
  /** The application container that must wait for the proxy (default: the task's default container). */
  appContainer?: ContainerDefinition;
  image?: ContainerImage;
  logGroup?: ILogGroup;
  /** Retention of the log group the extension creates when none is given (default one month). */
  logRetention?: RetentionDays;
  /** More IPs or CIDRs whose egress bypasses the proxy. */
  egressIgnoredIPs?: string[];
  egressIgnoredPorts?: number[];
  cpu?: number;
  memoryReservationMiB?: number;
  /** Send the proxy's metrics (Istio's standard metrics, the agent's) to Amazon Managed Service for Prometheus or CloudWatch, through a collector container. */
  metricsExport?: MetricsExport;
}

/** A WorkloadGroup name is a Kubernetes-style DNS label. */
const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Readiness probe: the agent's /ready answers 200 once it holds a certificate and Envoy is live.
 * The agent's own probe, as in the image's HEALTHCHECK: it peaks near 50 MB where `node -e "fetch(...)"` takes 80.
 */
const READY_PROBE = ['trellis-agent', 'wait-ready', '--port', String(PROXY_PORTS.ready), '--timeout-seconds', '1'];

/**
 * Mesh-enables an ECS task definition (awsvpc): one `trellis-proxy` container (agent + Envoy),
 * traffic redirection through the ECS proxy configuration, the app started once the proxy is
 * healthy, and logs. Identity comes from the task role by ECS attestation; no Trellis permission
 * or secret is added to the task.
 */
export class TrellisMeshExtension {
  readonly proxy: ContainerDefinition;
  readonly logGroup: ILogGroup;

  private constructor(taskDefinition: TaskDefinition, o: TrellisMeshOptions) {
    if (taskDefinition.networkMode !== NetworkMode.AWS_VPC) throw new Error(`TrellisMeshExtension needs awsvpc network mode (traffic redirection), got ${taskDefinition.networkMode}`);
    if (o.appPorts.length === 0) throw new Error('TrellisMeshExtension needs the application ports (appPorts)');
    // A token (a stack parameter) is known only at deploy time, so it is passed on unchecked.
    if (o.workloadGroup !== undefined && !Token.isUnresolved(o.workloadGroup) && !DNS_LABEL.test(o.workloadGroup)) {
      throw new Error(`TrellisMeshExtension: workloadGroup must be a DNS label (a WorkloadGroup name), got ${JSON.stringify(o.workloadGroup.slice(0, 64))}`);
    }
    const app = o.appContainer ?? taskDefinition.defaultContainer;
    if (!app) throw new Error('TrellisMeshExtension: add the application container first, or pass appContainer');
    this.logGroup = o.logGroup ?? new LogGroup(taskDefinition, 'TrellisProxyLogs', { retention: o.logRetention ?? RetentionDays.ONE_MONTH });
    this.proxy = taskDefinition.addContainer(PROXY_CONTAINER_NAME, {
      containerName: PROXY_CONTAINER_NAME,
      image: o.image ?? ContainerImage.fromRegistry(DEFAULT_TRELLIS_PROXY_IMAGE),
      essential: true,
      user: String(PROXY_UID),
      command: ['run', '--attest', 'ecs', '--workload', o.workloadName ?? taskDefinition.family, '--address', 'ecs-task', '--port', String(o.appPorts[0]), '--interception', 'REDIRECT', '--xds-mtls', '--envoy-path', '/usr/local/bin/envoy', '--work-dir', '/tmp/trellis', ...(o.workloadGroup !== undefined ? ['--group', o.workloadGroup] : [])],
      environment: {
        TRELLIS_URL: o.apiUrl,
        TRELLIS_XDS: o.xdsAddress,
        TRELLIS_MESH: o.mesh,
        TRELLIS_TENANT: o.tenant ?? 'default',
        TRELLIS_NAMESPACE: o.namespace,
        TRELLIS_SERVICE_ACCOUNT: o.serviceAccount,
        AWS_REGION: Stack.of(taskDefinition).region,
      },
      // Prometheus scrapes the agent on the task's IP; CloudWatch agent's ECS discovery reads the labels.
      portMappings: [{ containerPort: PROXY_PORTS.metrics, name: 'metrics' }],
      dockerLabels: { ECS_PROMETHEUS_EXPORTER_PORT: String(PROXY_PORTS.metrics), ECS_PROMETHEUS_METRICS_PATH: METRICS_PATH },
      healthCheck: { command: ['CMD', ...READY_PROBE], interval: Duration.seconds(5), timeout: Duration.seconds(2), retries: 3, startPeriod: Duration.seconds(10) },
      logging: LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: 'trellis-proxy' }),
      readonlyRootFilesystem: false,
      ...(o.cpu !== undefined ? { cpu: o.cpu } : {}),
      memoryReservationMiB: o.memoryReservationMiB ?? 128,
    });
    app.addContainerDependencies({ container: this.proxy, condition: ContainerDependencyCondition.HEALTHY });
    if (o.metricsExport) addMetricsExport(taskDefinition, this.proxy, this.logGroup, o.metricsExport, PROXY_PORTS.metrics, METRICS_PATH);
    const proxyConfiguration = new AppMeshProxyConfiguration({
      containerName: PROXY_CONTAINER_NAME,
      properties: {
        ignoredUID: PROXY_UID,
        proxyIngressPort: PROXY_PORTS.inbound,
        proxyEgressPort: PROXY_PORTS.outbound,
        appPorts: o.appPorts,
        egressIgnoredIPs: [...EGRESS_IGNORED_IPS, ...(o.egressIgnoredIPs ?? [])],
        ...(o.egressIgnoredPorts ? { egressIgnoredPorts: o.egressIgnoredPorts } : {}),
      },
    });
    // TaskDefinition takes a proxy configuration only at construction; this mesh-enables an existing one.
    (taskDefinition.node.defaultChild as CfnTaskDefinition).proxyConfiguration = proxyConfiguration.bind(taskDefinition, taskDefinition);
  }

  /** Adds the proxy to `taskDefinition`; register `taskDefinition.taskRole` with `trellis attestation ecs-role add`. */
  static addTo(taskDefinition: TaskDefinition, options: TrellisMeshOptions): TrellisMeshExtension {
    return new TrellisMeshExtension(taskDefinition, options);
  }
}
