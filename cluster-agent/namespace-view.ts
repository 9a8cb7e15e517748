import type { KubernetesNamespaceInput } from '../core/registry/kubernetes-source.ts';
import { servicePortName } from '../core/registry/kubernetes-source.ts';

/** What the agent keeps of a Service. */
export interface ServiceView {
  name: string;
  clusterIP?: string;
  selector?: Record<string, string>;
  ports: { name?: string; port: number; protocol?: 'TCP' | 'UDP' | 'SCTP'; appProtocol?: string }[];
}

/** What the agent keeps of an EndpointSlice: its Service and its ready Pod endpoints. */
export interface SliceView {
  service: string;
  ports: { name: string; port: number }[];
  endpoints: { address: string; pod: string }[];
}

/**
 * The annotation the injection webhook stamps on every pod it injects (sidecar/injector's
 * STATUS_ANNOTATION; a test keeps them equal): the pod's own sidecar registers its endpoint.
 */
export const INJECTED_POD_ANNOTATION = 'sidecar.trellis.dev/status';

/** What the agent keeps of a Pod: what selection and identity need, never its spec. */
export interface PodView {
  name: string;
  labels: Record<string, string>;
  serviceAccount: string;
  /** Its injected sidecar registers the endpoint itself, so the agent leaves it out. */
  selfRegistered: boolean;
}

export type KubeService = { metadata?: { name?: string }; spec?: { clusterIP?: string; selector?: Record<string, string>; ports?: { name?: string; port: number; protocol?: 'TCP' | 'UDP' | 'SCTP'; appProtocol?: string }[] } };
export type KubeSlice = {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; labels?: Record<string, string> };
  addressType?: string;
  ports?: { name?: string; port?: number }[] | null;
  endpoints?: { addresses?: string[]; conditions?: { ready?: boolean | null }; targetRef?: { kind?: string; name?: string } }[] | null;
};
export type KubePod = { metadata?: { name?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: { serviceAccountName?: string } };

export function keepService(s: KubeService): ServiceView {
  return {
    name: s.metadata?.name ?? '',
    // A headless Service's `None` is no address: its mesh service gets no VIP.
    ...(s.spec?.clusterIP && s.spec.clusterIP !== 'None' ? { clusterIP: s.spec.clusterIP } : {}),
    ...(s.spec?.selector ? { selector: s.spec.selector } : {}),
    ports: (s.spec?.ports ?? []).map((p) => ({ ...(p.name ? { name: p.name } : {}), port: p.port, ...(p.protocol ? { protocol: p.protocol } : {}), ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) })),
  };
}

export function keepSlice(s: KubeSlice): SliceView {
  const ip = s.addressType === 'IPv4' || s.addressType === 'IPv6';
  return {
    service: s.metadata?.labels?.['kubernetes.io/service-name'] ?? '',
    ports: (s.ports ?? []).filter((p) => p.port !== undefined).map((p) => ({ name: p.name ?? '', port: p.port! })),
    // A nil ready condition means ready (the EndpointSlice API's rule); FQDN slices carry no IP.
    endpoints: ip
      ? (s.endpoints ?? []).filter((e) => e.conditions?.ready !== false && e.targetRef?.kind === 'Pod' && e.targetRef.name && e.addresses?.[0]).map((e) => ({ address: e.addresses![0]!, pod: e.targetRef!.name! }))
      : [],
  };
}

export function keepPod(p: KubePod): PodView {
  return {
    name: p.metadata?.name ?? '',
    labels: { ...p.metadata?.labels },
    serviceAccount: p.spec?.serviceAccountName || 'default',
    selfRegistered: p.metadata?.annotations?.[INJECTED_POD_ANNOTATION] !== undefined,
  };
}

/**
 * One namespace as the agent sends it: every Service, and every ready Pod endpoint with the Pod's
 * labels and service account from the API server. A Pod serving several Services is one endpoint
 * whose ports name each Service port; a Pod not (yet) seen is left out until it is. An injected
 * Pod is left out too: each endpoint has one owner, and a ready injected Pod's sidecar is running
 * and registered (its readiness waits for the proxy), with the same address, labels and identity.
 */
export function namespaceDocument(services: readonly ServiceView[], slices: readonly SliceView[], pods: ReadonlyMap<string, PodView>): KubernetesNamespaceInput {
  const byName = new Map(services.map((s) => [s.name, s]));
  const endpoints = new Map<string, KubernetesNamespaceInput['endpoints'][number]>();
  for (const slice of slices) {
    const service = byName.get(slice.service);
    if (!service) continue;
    for (const e of slice.endpoints) {
      const pod = pods.get(e.pod);
      if (!pod || pod.selfRegistered) continue;
      const endpoint = endpoints.get(e.pod) ?? { pod: e.pod, address: e.address, labels: pod.labels, serviceAccount: pod.serviceAccount, ports: {} };
      for (const p of slice.ports) {
        // The slice names ports as the Service does; an unnamed one is the Service's only port.
        const servicePort = service.ports.find((sp) => (sp.name ?? '') === p.name);
        if (servicePort) endpoint.ports[servicePortName(servicePort.name, servicePort.port)] = p.port;
      }
      endpoints.set(e.pod, endpoint);
    }
  }
  return {
    services: services.map((s) => ({ name: s.name, ...(s.clusterIP ? { clusterIP: s.clusterIP } : {}), ...(s.selector ? { selector: s.selector } : {}), ports: s.ports })),
    endpoints: [...endpoints.values()].sort((a, b) => (a.pod < b.pod ? -1 : 1)),
  };
}
