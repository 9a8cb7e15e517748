import { createHash } from 'node:crypto';
import { memberLabels, type IstioResource, type SpecOf } from '../../core/resources/index.ts';
import { DEFAULT_INBOUND_LISTENER_PORT } from '../translate/index.ts';
import { ISTIO_TLS_MODE, TLS_MODE_LABEL } from '../translate/security/index.ts';
import type { ConnectingProxy } from './node-identity.ts';

/** What a connected sidecar is registered as, before the registry adds who holds it and until when. */
export interface Admission {
  id: string;
  name: string;
  namespace: string;
  group?: string;
  serviceAccount: string;
  address: string;
  labels: Record<string, string>;
  inboundPort: number;
  locality?: string;
}

export type AdmissionResult = { admitted: true; workload: Admission } | { admitted: false; reason: string };

/** A stable DNS-label name per workload instance: `<workload>-<hash of address and inbound port>`. */
export function registrationName(workload: string, address: string, inboundPort: number): string {
  const hash = createHash('sha256').update(`${address}:${inboundPort}`).digest('hex').slice(0, 10);
  return `${workload.slice(0, 52).replace(/-+$/, '')}-${hash}`;
}

/**
 * The registry id of a proxy: a digest of its identity (the certificate's SPIFFE ID, or the claimed
 * namespace and service account on plaintext xDS) and its node id, so no proxy can overwrite the
 * entry of another identity by naming the same node id.
 */
export function registeredWorkloadId(proxy: Pick<ConnectingProxy, 'certificate' | 'descriptor'>, nodeId: string): string {
  const identity = proxy.certificate?.spiffeId ?? `ns/${proxy.descriptor.namespace}/sa/${proxy.descriptor.serviceAccount}`;
  return createHash('sha256').update(`${identity}\u0000${nodeId}`).digest('hex').slice(0, 32);
}

type WorkloadGroupSpec = SpecOf['WorkloadGroup'];

/**
 * Whether a connected sidecar may become an endpoint, and with which labels. With a WorkloadGroup
 * (AUTO_REGISTER_GROUP), its identity must be the group's service account in the group's namespace
 * and the group fixes the labels (claimed labels only fill keys it leaves open); without one, its
 * claimed labels stand, and ServiceEntry subjectAltNames decide at translation whom they admit.
 * Proxies that cannot be endpoints (no address, no inbound port, AUTO_REGISTER false, not a
 * sidecar) get `undefined`: nothing to register and nothing refused.
 */
export function admitWorkload(proxy: ConnectingProxy, nodeId: string, resources: readonly IstioResource[]): AdmissionResult | undefined {
  const { descriptor, address, metadata } = proxy;
  if (descriptor.kind !== 'sidecar' || !address || !descriptor.inbound || metadata.AUTO_REGISTER === false) return undefined;
  let labels = descriptor.labels;
  let group: string | undefined;
  const groupName = metadata.AUTO_REGISTER_GROUP;
  if (groupName) {
    group = `${descriptor.namespace}/${groupName}`;
    const found = resources.find((r) => r.kind === 'WorkloadGroup' && r.metadata.namespace === descriptor.namespace && r.metadata.name === groupName);
    if (!found) return { admitted: false, reason: `WorkloadGroup ${group} does not exist` };
    const spec = found.spec as WorkloadGroupSpec;
    const account = spec.template.serviceAccount;
    if (!account) return { admitted: false, reason: `WorkloadGroup ${group} names no template.serviceAccount, so it admits no identity` };
    if (account !== descriptor.serviceAccount) {
      return { admitted: false, reason: `identity ns/${descriptor.namespace}/sa/${descriptor.serviceAccount} is not the service account of WorkloadGroup ${group} (${account})` };
    }
    labels = memberLabels(spec, descriptor.labels);
  }
  return {
    admitted: true,
    workload: {
      id: registeredWorkloadId(proxy, nodeId),
      name: registrationName(descriptor.workload, address, descriptor.inbound.listenerPort ?? DEFAULT_INBOUND_LISTENER_PORT),
      namespace: descriptor.namespace,
      ...(group ? { group } : {}),
      serviceAccount: descriptor.serviceAccount,
      address,
      // Like Istio's injector label: peers' auto mTLS uses TLS only to sidecars that have a certificate.
      labels: descriptor.sds ? { ...labels, [TLS_MODE_LABEL]: ISTIO_TLS_MODE } : { ...labels },
      inboundPort: descriptor.inbound.listenerPort ?? DEFAULT_INBOUND_LISTENER_PORT,
      ...(descriptor.locality ? { locality: descriptor.locality } : {}),
    },
  };
}
