import { isIpAddress } from '../../core/resources/formats/ip.ts';
import { REGISTRY_SERVICE_PREFIX } from '../translate/mesh/mesh-model.ts';
import type { RegisteredWorkload } from '../../core/registry/index.ts';
import type { IstioResource, SpecOf } from '../../core/resources/index.ts';

type ServiceEntry = IstioResource<SpecOf['ServiceEntry']>;

/**
 * The mesh's config plus the Kubernetes Services mirrored into the workload registry, each as the
 * ServiceEntry Istio would derive from it: `<name>.<namespace>.svc.cluster.local`, mesh-internal,
 * its cluster IP as its address (REDIRECT-mode sidecars tell TCP services on one port apart by
 * it; a headless Service has none), its ports and protocols, and a workloadSelector of its selector. They are live state: they never
 * enter a config revision. A configured ServiceEntry of the same host in the same namespace wins.
 */
export function withRegistryServices(resources: readonly IstioResource[], workloads: readonly RegisteredWorkload[]): readonly IstioResource[] {
  const services = workloads.filter((w) => w.service !== undefined);
  if (services.length === 0) return resources;
  const entries: ServiceEntry[] = services.map((w) => {
    const service = w.service!;
    return {
      apiVersion: 'networking.istio.io/v1',
      kind: 'ServiceEntry',
      // `~` sorts after every resource name of the namespace, so its configured ServiceEntries are read first.
      metadata: { name: `${REGISTRY_SERVICE_PREFIX}kubernetes.${service.name}`, namespace: w.namespace },
      spec: {
        hosts: [`${service.name}.${w.namespace}.svc.cluster.local`],
        location: 'MESH_INTERNAL',
        resolution: 'STATIC',
        // kubernetesEntries stores a headless Service's address as 0.0.0.0.
        ...(isIpAddress(w.address) && w.address !== '0.0.0.0' ? { addresses: [w.address] } : {}),
        ports: service.ports.map((p) => ({ name: p.name, number: p.number, ...(p.protocol ? { protocol: p.protocol } : {}) })),
        // A Service without a selector has no endpoints here (its manual Endpoints are not mirrored).
        ...(service.selector ? { workloadSelector: { labels: service.selector } } : {}),
      },
    };
  });
  return [...resources, ...entries];
}

