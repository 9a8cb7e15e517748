import type { IstioResource, KindName } from '../../../core/resources/index.ts';
import type { ProxyDescriptor } from '../proxy-descriptor.ts';

/** A stored-form Istio resource for unit tests. */
export function istio(kind: KindName, namespace: string, name: string, spec: Record<string, unknown>): IstioResource {
  return { apiVersion: 'networking.istio.io/v1', kind, metadata: { name, namespace }, spec };
}

/** A MESH_INTERNAL service `name.namespace.svc.cluster.local` on HTTP port 80 selecting `app: name`. */
export function meshService(namespace: string, name: string, extra: Record<string, unknown> = {}): IstioResource {
  return istio('ServiceEntry', namespace, name, {
    hosts: [`${name}.${namespace}.svc.cluster.local`],
    location: 'MESH_INTERNAL',
    resolution: 'STATIC',
    ports: [{ number: 80, name: 'http', protocol: 'HTTP' }],
    workloadSelector: { labels: { app: name } },
    ...extra,
  });
}

export function sidecar(namespace: string, overrides: Partial<ProxyDescriptor> = {}): ProxyDescriptor {
  return { kind: 'sidecar', namespace, serviceAccount: 'sa', workload: 'w-1', labels: { app: 'client' }, inbound: undefined, ...overrides };
}
