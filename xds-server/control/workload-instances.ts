import type { RegisteredWorkload } from '../../core/registry/index.ts';
import type { IstioResource, SpecOf } from '../../core/resources/index.ts';
import { labelsMatch } from '../translate/mesh/labels-match.ts';
import { spiffeId } from '../translate/security/spiffe-matchers.ts';
import type { WorkloadInstance } from '../translate/index.ts';

type ServiceEntry = IstioResource<SpecOf['ServiceEntry']>;

/**
 * Registered workloads as translation's endpoint candidates. A sidecar registered with its inbound
 * listener port is reached through it on every port of every ServiceEntry selecting it (local mode
 * has no traffic redirection), so the port names are read from this revision's ServiceEntries.
 */
export function workloadInstances(workloads: readonly RegisteredWorkload[], resources: readonly IstioResource[], trustDomain: string): WorkloadInstance[] {
  const entries = resources.filter((r): r is ServiceEntry => r.kind === 'ServiceEntry');
  // Mirrored Kubernetes Services are services (see registry-services.ts), not endpoints.
  return workloads.filter((w) => w.service === undefined).map((w) => {
    let ports: Record<string, number> = { ...w.ports };
    if (w.inboundPort !== undefined) {
      ports = {};
      for (const se of entries) {
        const selector = se.spec.workloadSelector?.labels;
        if (se.metadata.namespace !== w.namespace || !selector || !labelsMatch(selector, w.labels)) continue;
        for (const p of se.spec.ports ?? []) ports[p.name] = w.inboundPort;
      }
    }
    return {
      name: w.name,
      namespace: w.namespace,
      address: w.address,
      labels: w.labels,
      serviceAccount: w.serviceAccount,
      ports,
      ...(w.locality ? { locality: w.locality } : {}),
      ...(w.weight !== undefined ? { weight: w.weight } : {}),
      identity: w.spiffeId ?? spiffeId(trustDomain, w.namespace, w.serviceAccount),
    };
  });
}
