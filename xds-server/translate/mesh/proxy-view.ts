import { visibleTo } from './visibility.ts';
import type { DestinationRuleEntry, MeshIndex, MeshService, VirtualServiceEntry } from './mesh-model.ts';

/** The service `host` as a proxy in `namespace` sees it (undefined when absent or not exported there). */
export function visibleService(index: MeshIndex, host: string, namespace: string): MeshService | undefined {
  const service = index.services.get(host);
  return service && visibleTo(service.exportTo, service.namespace, namespace) ? service : undefined;
}

/** The DestinationRule for `host` a proxy in `namespace` uses: its own namespace's, then the service's, then the first visible. */
export function destinationRuleFor(index: MeshIndex, host: string, namespace: string): DestinationRuleEntry | undefined {
  const visible = (index.destinationRules.get(host) ?? []).filter((d) => visibleTo(d.spec.exportTo, d.namespace, namespace));
  const serviceNamespace = index.services.get(host)?.namespace;
  return visible.find((d) => d.namespace === namespace) ?? visible.find((d) => d.namespace === serviceNamespace) ?? visible[0];
}

/** The VirtualServices for `host` visible in `namespace`, the one that applies first (Istio: one per host for sidecars). */
export function virtualServicesFor(index: MeshIndex, host: string, namespace: string): VirtualServiceEntry[] {
  return (index.virtualServices.get(host) ?? []).filter((v) => visibleTo(v.spec.exportTo, v.namespace, namespace));
}
