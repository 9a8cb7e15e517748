import { fail, ok, type Result } from '../../core/result.ts';
import { INJECT_ANNOTATION, INJECTION_ENABLED, INJECTION_NAMESPACE_LABEL, STATUS_ANNOTATION, optedOut, proxyOverrides, type ProxyOverrides } from './annotations.ts';
import { NEVER_INJECTED_NAMESPACES, type InjectionConfig } from './injection-config.ts';
import { applyPatch, pointerToken, type JsonPatchOperation } from './json-patch.ts';
import type { Container, Pod } from './k8s-types.ts';
import type { RedirectConfig } from './redirect.ts';
import { INIT_CONTAINER, PORTS, PROMETHEUS_ANNOTATIONS, PROXY_CONTAINER, initContainer, proxyContainer, sidecarVolumes } from './sidecar-containers.ts';

/** Pods bigger than this are refused injection rather than processed (no legitimate pod comes close). */
export const MAX_CONTAINERS = 100;
/** Labels handed to the agent (each is one env var and one flag). */
export const MAX_AGENT_LABELS = 32;

export interface InjectionContext {
  /** The request's namespace (a pod being created may not carry it yet). */
  namespace?: string;
  /** The namespace's labels when known: the webhook re-checks what its namespaceSelector matched. */
  namespaceLabels?: Record<string, string>;
}

export interface InjectionOutcome {
  patch: JsonPatchOperation[];
  /** The pod as the patch leaves it. */
  pod: Pod;
  /** Why nothing was injected (the patch is then empty). */
  skipped?: string;
}

function skipWhy(pod: Pod, context: InjectionContext): string | undefined {
  const meta = pod.metadata ?? {};
  const namespace = context.namespace ?? meta.namespace;
  if (meta.annotations?.[STATUS_ANNOTATION] !== undefined) return `already injected (${STATUS_ANNOTATION} is set)`;
  const all = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  if (all.some((c) => c.name === PROXY_CONTAINER || c.name === INIT_CONTAINER)) return `already has a ${PROXY_CONTAINER} or ${INIT_CONTAINER} container`;
  if (optedOut(meta.annotations ?? {}, meta.labels ?? {})) return `opted out (${INJECT_ANNOTATION}: "false")`;
  if (namespace && (NEVER_INJECTED_NAMESPACES as readonly string[]).includes(namespace)) return `namespace ${namespace} is never injected`;
  if (context.namespaceLabels && context.namespaceLabels[INJECTION_NAMESPACE_LABEL] !== INJECTION_ENABLED) {
    return `namespace ${namespace ?? '?'} is not labelled ${INJECTION_NAMESPACE_LABEL}=${INJECTION_ENABLED}`;
  }
  // iptables in a host-network pod would rewrite the node's traffic.
  if (pod.spec?.hostNetwork) return 'host-network pod';
  return undefined;
}

/** The port the app serves on: the annotation, else the first TCP port an app container declares. */
function appPort(containers: Container[], overrides: ProxyOverrides): number | undefined {
  if (overrides.appPort !== undefined) return overrides.appPort;
  for (const c of containers) {
    const port = c.ports?.find((p) => (p.protocol ?? 'TCP') === 'TCP');
    if (port) return port.containerPort;
  }
  return undefined;
}

function redirectConfig(config: InjectionConfig, overrides: ProxyOverrides, port: number | undefined): RedirectConfig {
  return {
    proxyUid: config.proxyUid,
    inboundPort: PORTS.inbound,
    outboundPort: PORTS.outbound,
    // The inbound listener forwards to one app port, so by default only that port is intercepted.
    includeInboundPorts: overrides.includeInboundPorts ?? (port !== undefined ? [port] : []),
    excludeInboundPorts: overrides.excludeInboundPorts ?? [],
    includeOutboundIpRanges: overrides.includeOutboundIpRanges ?? config.includeOutboundIpRanges,
    excludeOutboundIpRanges: [...new Set([...config.excludeOutboundIpRanges, ...(overrides.excludeOutboundIpRanges ?? [])])].sort(),
    excludeOutboundPorts: overrides.excludeOutboundPorts ?? [],
  };
}

/** Adds `items` to the array at `path`, at `index` or the end, creating the array when absent. */
function addAll(path: string, existing: unknown[] | undefined, items: unknown[], index?: number): JsonPatchOperation[] {
  if (!existing) return [{ op: 'add', path, value: items }];
  if (index === undefined) return items.map((value) => ({ op: 'add', path: `${path}/-`, value }));
  return items.map((value, i) => ({ op: 'add', path: `${path}/${index + i}`, value }));
}

/**
 * The JSON patch that adds the Trellis proxy and traffic redirection to a pod, and the pod it
 * yields. Pure; `ok` with an empty patch and `skipped` when the pod is not to be injected, `fail`
 * when its annotations are invalid.
 */
export function injectPod(pod: Pod, config: InjectionConfig, context: InjectionContext = {}): Result<InjectionOutcome> {
  const skipped = skipWhy(pod, context);
  if (skipped) return ok({ patch: [], pod, skipped });
  const spec = pod.spec;
  if (!spec || !Array.isArray(spec.containers) || spec.containers.length === 0) return fail([{ path: 'spec.containers', message: 'a pod needs at least one container' }]);
  if (spec.containers.length + (spec.initContainers?.length ?? 0) > MAX_CONTAINERS) return fail([{ path: 'spec.containers', message: `more than ${MAX_CONTAINERS} containers` }]);
  const meta = pod.metadata ?? {};
  const overrides = proxyOverrides(meta.annotations ?? {});
  if (!overrides.ok) return overrides;
  const o = overrides.value;

  const port = appPort(spec.containers, o);
  const labelKeys = Object.keys(meta.labels ?? {}).filter((k) => k !== INJECT_ANNOTATION).sort().slice(0, MAX_AGENT_LABELS);
  const cpuLimit = o.cpuLimit ?? config.resources.cpuLimit;
  const memoryLimit = o.memoryLimit ?? config.resources.memoryLimit;
  const limits = { ...(cpuLimit ? { cpu: cpuLimit } : {}), ...(memoryLimit ? { memory: memoryLimit } : {}) };
  const proxy = proxyContainer(config, {
    ...(port !== undefined ? { appPort: port } : {}),
    ...(o.workloadGroup !== undefined ? { workloadGroup: o.workloadGroup } : {}),
    labelKeys,
    logLevel: o.logLevel ?? config.logLevel,
    resources: { requests: { cpu: o.cpu ?? config.resources.cpu, memory: o.memory ?? config.resources.memory }, ...(Object.keys(limits).length > 0 ? { limits } : {}) },
  });
  const init = initContainer(config, redirectConfig(config, o, port));

  const patch: JsonPatchOperation[] = [];
  if (config.nativeSidecars) {
    // Redirection first, then the proxy, then the app's own init containers: their traffic has a proxy to go to.
    patch.push(...addAll('/spec/initContainers', spec.initContainers, [init, proxy], 0));
  } else {
    // Without native sidecars the app's init containers run before any proxy exists: redirect after them.
    patch.push(...addAll('/spec/initContainers', spec.initContainers, [init]));
    patch.push({ op: 'add', path: '/spec/containers/0', value: proxy });
  }
  const volumes = sidecarVolumes();
  patch.push(...addAll('/spec/volumes', spec.volumes, volumes));
  const status = JSON.stringify({
    version: 1,
    initContainers: config.nativeSidecars ? [INIT_CONTAINER, PROXY_CONTAINER] : [INIT_CONTAINER],
    containers: config.nativeSidecars ? [] : [PROXY_CONTAINER],
    volumes: volumes.map((v) => v.name),
  });
  // A pod that already says how it is scraped keeps its own annotations.
  const scrape = meta.annotations?.['prometheus.io/scrape'] === undefined ? PROMETHEUS_ANNOTATIONS : {};
  if (!meta.annotations) {
    if (!pod.metadata) patch.unshift({ op: 'add', path: '/metadata', value: {} });
    patch.push({ op: 'add', path: '/metadata/annotations', value: { [STATUS_ANNOTATION]: status, ...scrape } });
  } else {
    const annotations: Record<string, string> = { [STATUS_ANNOTATION]: status, ...scrape };
    patch.push(...Object.entries(annotations).map(([k, value]): JsonPatchOperation => ({ op: 'add', path: `/metadata/annotations/${pointerToken(k)}`, value })));
  }
  return ok({ patch, pod: applyPatch(pod, patch) });
}
