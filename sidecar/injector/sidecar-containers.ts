import type { LogLevel } from './annotations.ts';
import type { InjectionConfig } from './injection-config.ts';
import type { Container, EnvVar, ResourceRequirements, Volume } from './k8s-types.ts';
import type { RedirectConfig } from './redirect.ts';
import { formatSelection } from './traffic-lists.ts';

export const PROXY_CONTAINER = 'trellis-proxy';
export const INIT_CONTAINER = 'trellis-init';
export const WORK_VOLUME = 'trellis-work';
export const TOKEN_VOLUME = 'trellis-token';
export const TOKEN_AUDIENCE = 'trellis';
/** The agent's default `--token-path` for `--attest eks` is `<TOKEN_DIR>/token`. */
export const TOKEN_DIR = '/var/run/secrets/trellis';
const WORK_DIR = '/var/run/trellis';
const AGENT = 'trellis-agent';

export const PORTS = { admin: 15000, outbound: 15001, inbound: 15006, metrics: 15020, ready: 15021 } as const;

/** Istio's scrape annotations, pointing Prometheus at the agent's merged `/stats/prometheus`. */
export const PROMETHEUS_ANNOTATIONS = { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(PORTS.metrics), 'prometheus.io/path': '/stats/prometheus' } as const;

/** What the proxy container needs to know about this pod and its annotations. */
export interface ProxySpec {
  appPort?: number;
  /** WorkloadGroup the agent names in AUTO_REGISTER_GROUP. */
  workloadGroup?: string;
  /** Label keys passed to the agent; values come from the downward API at run time. */
  labelKeys: string[];
  logLevel: LogLevel;
  resources: ResourceRequirements;
}

/** Envoy's level names → pino's, for the agent's own log. */
const AGENT_LOG_LEVEL: Record<LogLevel, string> = { trace: 'trace', debug: 'debug', info: 'info', warning: 'warn', error: 'error', critical: 'fatal', off: 'silent' };

const field = (name: string, fieldPath: string): EnvVar => ({ name, valueFrom: { fieldRef: { fieldPath } } });

/** The pod's identity, read at run time through the downward API. */
function identityEnv(labelKeys: string[]): EnvVar[] {
  return [
    field('TRELLIS_NAMESPACE', 'metadata.namespace'),
    field('TRELLIS_POD_NAME', 'metadata.name'),
    field('TRELLIS_POD_IP', 'status.podIP'),
    field('TRELLIS_SERVICE_ACCOUNT', 'spec.serviceAccountName'),
    ...labelKeys.map((key, i) => field(`TRELLIS_LABEL_${i}`, `metadata.labels['${key}']`)),
  ];
}

const waitReady = (timeoutSeconds: number) => [AGENT, 'wait-ready', '--port', String(PORTS.ready), '--timeout-seconds', String(timeoutSeconds)];

/** The agent, which supervises Envoy, in one container running as the proxy UID. */
export function proxyContainer(config: InjectionConfig, spec: ProxySpec): Container {
  const args = [
    'run',
    '--api', config.apiUrl,
    '--tenant', config.tenant,
    '--mesh', config.mesh,
    // The projected service-account token proves the pod's identity: no shared secret to hand around.
    '--attest', 'eks',
    '--token-path', `${TOKEN_DIR}/token`,
    '--xds', config.xdsAddress,
    '--xds-mtls',
    '--namespace', '$(TRELLIS_NAMESPACE)',
    '--service-account', '$(TRELLIS_SERVICE_ACCOUNT)',
    '--workload', '$(TRELLIS_POD_NAME)',
    '--address', '$(TRELLIS_POD_IP)',
    ...(spec.appPort !== undefined ? ['--port', String(spec.appPort)] : []),
    ...spec.labelKeys.flatMap((key, i) => ['--label', `${key}=$(TRELLIS_LABEL_${i})`]),
    ...(spec.workloadGroup !== undefined ? ['--group', spec.workloadGroup] : []),
    '--admin-port', String(PORTS.admin),
    '--outbound-port', String(PORTS.outbound),
    '--inbound-port', String(PORTS.inbound),
    // The init container's iptables rules send every app connection to Envoy.
    '--interception', 'REDIRECT',
    '--ready-port', String(PORTS.ready),
    '--metrics-port', String(PORTS.metrics),
    '--work-dir', WORK_DIR,
    '--envoy-path', config.envoyPath,
    // The `=` form: a value that starts with '-' is not read as one of the agent's own flags.
    '--envoy-arg=--log-level',
    `--envoy-arg=${spec.logLevel}`,
  ];
  const container: Container = {
    name: PROXY_CONTAINER,
    image: config.image,
    command: [AGENT],
    args,
    ports: [{ name: 'http-metrics', containerPort: PORTS.metrics, protocol: 'TCP' }],
    env: [
      ...identityEnv(spec.labelKeys),
      { name: 'TRELLIS_LOG_LEVEL', value: AGENT_LOG_LEVEL[spec.logLevel] },
    ],
    resources: spec.resources,
    volumeMounts: [
      { name: WORK_VOLUME, mountPath: WORK_DIR },
      { name: TOKEN_VOLUME, mountPath: TOKEN_DIR, readOnly: true },
    ],
    securityContext: {
      runAsUser: config.proxyUid,
      runAsGroup: config.proxyUid,
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    },
  };
  if (config.nativeSidecars) {
    // The app's containers start only once this probe passes; an exec of the agent's CLI takes seconds, hence the timeout.
    return { ...container, restartPolicy: 'Always', startupProbe: { exec: { command: waitReady(1) }, periodSeconds: 3, timeoutSeconds: 10, failureThreshold: 100 } };
  }
  // A regular first container: kubelet starts the next container only after postStart returns.
  return { ...container, lifecycle: { postStart: { exec: { command: waitReady(300) } } } };
}

/** The init container that installs the iptables redirection (needs NET_ADMIN, runs once as root). */
export function initContainer(config: InjectionConfig, redirect: RedirectConfig): Container {
  const list = (flag: string, values: readonly (number | string)[]) => (values.length > 0 ? [flag, values.join(',')] : []);
  return {
    name: INIT_CONTAINER,
    image: config.image,
    command: [AGENT],
    args: [
      'redirect',
      '--proxy-uid', String(redirect.proxyUid),
      '--inbound-port', String(redirect.inboundPort),
      '--outbound-port', String(redirect.outboundPort),
      '--include-inbound-ports', formatSelection(redirect.includeInboundPorts),
      ...list('--exclude-inbound-ports', redirect.excludeInboundPorts),
      ...list('--exclude-outbound-ports', redirect.excludeOutboundPorts),
      '--include-outbound-ip-ranges', formatSelection(redirect.includeOutboundIpRanges),
      ...list('--exclude-outbound-ip-ranges', redirect.excludeOutboundIpRanges),
    ],
    resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '100m', memory: '64Mi' } },
    securityContext: {
      runAsUser: 0,
      runAsGroup: 0,
      runAsNonRoot: false,
      allowPrivilegeEscalation: false,
      capabilities: { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] },
    },
  };
}

export function sidecarVolumes(): Volume[] {
  return [
    { name: WORK_VOLUME, emptyDir: { medium: 'Memory' } },
    { name: TOKEN_VOLUME, projected: { sources: [{ serviceAccountToken: { audience: TOKEN_AUDIENCE, expirationSeconds: 3600, path: 'token' } }] } },
  ];
}
