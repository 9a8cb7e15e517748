import { isDnsLabel } from '../../core/identity/dns-label.ts';
import { fail, ok, type FieldError, type Result } from '../../core/result.ts';
import { parseCidrs, parseCidrSelection, parsePorts, parsePortSelection, type CidrSelection, type PortSelection } from './traffic-lists.ts';

/** Namespace label the webhook's namespaceSelector matches. */
export const INJECTION_NAMESPACE_LABEL = 'trellis.dev/injection';
export const INJECTION_ENABLED = 'enabled';

/** Pod annotation (or label, for the webhook's objectSelector) `"false"` opts a pod out. */
export const INJECT_ANNOTATION = 'sidecar.trellis.dev/inject';
/** Set on injected pods: what was added. Its presence means "never inject again". */
export const STATUS_ANNOTATION = 'sidecar.trellis.dev/status';

export const ANNOTATIONS = {
  cpu: 'sidecar.trellis.dev/proxyCPU',
  memory: 'sidecar.trellis.dev/proxyMemory',
  cpuLimit: 'sidecar.trellis.dev/proxyCPULimit',
  memoryLimit: 'sidecar.trellis.dev/proxyMemoryLimit',
  logLevel: 'sidecar.trellis.dev/logLevel',
  appPort: 'sidecar.trellis.dev/appPort',
  workloadGroup: 'sidecar.trellis.dev/workloadGroup',
  includeInboundPorts: 'traffic.sidecar.trellis.dev/includeInboundPorts',
  excludeInboundPorts: 'traffic.sidecar.trellis.dev/excludeInboundPorts',
  excludeOutboundPorts: 'traffic.sidecar.trellis.dev/excludeOutboundPorts',
  includeOutboundIpRanges: 'traffic.sidecar.trellis.dev/includeOutboundIPRanges',
  excludeOutboundIpRanges: 'traffic.sidecar.trellis.dev/excludeOutboundIPRanges',
} as const;

/** Envoy's level names; the agent logs at the matching pino level. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warning', 'error', 'critical', 'off'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A Kubernetes resource quantity (`100m`, `0.5`, `128Mi`, `1G`). */
const QUANTITY = /^\d{1,9}(\.\d{1,6})?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;

/** What a pod's annotations change about its proxy (keyed as ANNOTATIONS); absent fields keep the configured defaults. */
export interface ProxyOverrides {
  cpu?: string;
  memory?: string;
  cpuLimit?: string;
  memoryLimit?: string;
  logLevel?: LogLevel;
  appPort?: number;
  /** WorkloadGroup in the pod's namespace the workload joins (its template fixes service account and labels). */
  workloadGroup?: string;
  includeInboundPorts?: PortSelection;
  excludeInboundPorts?: number[];
  excludeOutboundPorts?: number[];
  includeOutboundIpRanges?: CidrSelection;
  excludeOutboundIpRanges?: string[];
}

export function optedOut(annotations: Record<string, string>, labels: Record<string, string>): boolean {
  return annotations[INJECT_ANNOTATION]?.toLowerCase() === 'false' || labels[INJECT_ANNOTATION]?.toLowerCase() === 'false';
}

/** Reads the proxy annotations; every bad value is reported with the annotation's name. */
export function proxyOverrides(annotations: Record<string, string>): Result<ProxyOverrides> {
  const errors: FieldError[] = [];
  const out: ProxyOverrides = {};
  const path = (name: string) => `metadata.annotations['${name}']`;
  const take = <K extends keyof ProxyOverrides & keyof typeof ANNOTATIONS>(key: K, parse: (p: string, text: string) => Result<NonNullable<ProxyOverrides[K]>>) => {
    const text = annotations[ANNOTATIONS[key]];
    if (text === undefined) return;
    const parsed = parse(path(ANNOTATIONS[key]), text);
    if (parsed.ok) out[key] = parsed.value;
    else errors.push(...parsed.errors);
  };
  const quantity = (p: string, text: string): Result<string> => (QUANTITY.test(text.trim()) ? ok(text.trim()) : fail([{ path: p, message: `not a resource quantity: ${text.slice(0, 32)}` }]));
  take('cpu', quantity);
  take('memory', quantity);
  take('cpuLimit', quantity);
  take('memoryLimit', quantity);
  take('logLevel', (p, text) => {
    const level = (text.trim().toLowerCase() === 'warn' ? 'warning' : text.trim().toLowerCase()) as LogLevel;
    return LOG_LEVELS.includes(level) ? ok(level) : fail([{ path: p, message: `must be one of ${LOG_LEVELS.join(', ')}` }]);
  });
  take('appPort', (p, text) => {
    const ports = parsePorts(p, text);
    if (!ports.ok) return ports;
    return ports.value.length === 1 ? ok(ports.value[0]!) : fail([{ path: p, message: 'must be one port number' }]);
  });
  take('workloadGroup', (p, text) => (isDnsLabel(text.trim()) ? ok(text.trim()) : fail([{ path: p, message: `not a DNS label (a WorkloadGroup name): ${text.slice(0, 64)}` }])));
  take('includeInboundPorts', parsePortSelection);
  take('excludeInboundPorts', parsePorts);
  take('excludeOutboundPorts', parsePorts);
  take('includeOutboundIpRanges', parseCidrSelection);
  take('excludeOutboundIpRanges', parseCidrs);
  return errors.length > 0 ? fail(errors) : ok(out);
}
