import { createHash } from 'node:crypto';
import type { IstioResource } from '../../core/resources/resource.ts';
import { DEFAULT_INBOUND_LISTENER_PORT } from '../translate/index.ts';
import { ISTIO_TLS_MODE, TLS_MODE_LABEL } from '../translate/security/index.ts';
import type { ConnectingProxy } from './node-identity.ts';

/** Marks WorkloadEntries the control plane created for connected sidecars. */
export const AUTO_REGISTERED_LABEL = 'trellis.dev/auto-registered';
export const REGISTRATION_AUTHOR = 'system:auto-registration';

/** A stable DNS-label name per workload instance: `<workload>-<hash of address and inbound port>`. */
export function registrationName(workload: string, address: string, inboundPort: number): string {
  const hash = createHash('sha256').update(`${address}:${inboundPort}`).digest('hex').slice(0, 10);
  return `${workload.slice(0, 52).replace(/-+$/, '')}-${hash}`;
}

type ServiceEntryLike = { metadata: { namespace: string }; spec: { workloadSelector?: { labels?: Record<string, string> }; ports?: { name: string }[] } };

/**
 * The WorkloadEntry for a connected sidecar, or undefined when it cannot be an endpoint.
 * Peers must reach it through its sidecar's inbound listener (no traffic redirection in
 * local mode), so every port name of the ServiceEntries selecting it maps to that port.
 */
export function registrationFor(proxy: ConnectingProxy, resources: readonly IstioResource[]): IstioResource | undefined {
  const { descriptor, address, metadata } = proxy;
  if (descriptor.kind !== 'sidecar' || !address || !descriptor.inbound || metadata.AUTO_REGISTER === false) return undefined;
  const inboundPort = descriptor.inbound.listenerPort ?? DEFAULT_INBOUND_LISTENER_PORT;
  const ports: Record<string, number> = {};
  for (const r of resources) {
    if (r.kind !== 'ServiceEntry' || r.metadata.namespace !== descriptor.namespace) continue;
    const se = r as unknown as ServiceEntryLike;
    const selector = se.spec.workloadSelector?.labels;
    if (!selector || !Object.entries(selector).every(([k, v]) => descriptor.labels[k] === v)) continue;
    for (const p of se.spec.ports ?? []) ports[p.name] = inboundPort;
  }
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'WorkloadEntry',
    metadata: {
      name: registrationName(descriptor.workload, address, inboundPort),
      namespace: descriptor.namespace,
      labels: { [AUTO_REGISTERED_LABEL]: 'true' },
    },
    spec: {
      address,
      // Like Istio's injector label: peers' auto mTLS uses TLS only to sidecars that have a certificate.
      labels: descriptor.sds ? { ...descriptor.labels, [TLS_MODE_LABEL]: ISTIO_TLS_MODE } : descriptor.labels,
      serviceAccount: descriptor.serviceAccount,
      ...(Object.keys(ports).length > 0 ? { ports } : {}),
      // Peers' locality failover and distribution place this endpoint by it.
      ...(descriptor.locality ? { locality: descriptor.locality } : {}),
    },
  };
}
