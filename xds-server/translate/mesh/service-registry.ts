import { isIpAddress } from '../../../core/resources/formats/ip.ts';
import type { TranslationIssue } from '../translation-result.ts';
import type { MeshService, Resolution, ServiceEndpoint, ServiceEntrySpec, ServicePort } from './mesh-model.ts';
import type { Workload, WorkloadLookup } from './workload-lookup.ts';

/** A workload with what an endpoint needs (WorkloadEntry or connected instance). */
export interface EndpointWorkload extends Workload {
  address: string | undefined;
  ports: Readonly<Record<string, number>>;
  locality: string | undefined;
  weight: number | undefined;
  serviceAccount?: string | undefined;
  /** A registered workload's SPIFFE ID (see WorkloadInstance.identity); configured WorkloadEntries have none. */
  identity?: string | undefined;
}

export interface ServiceEntryInput {
  source: string;
  namespace: string;
  spec: ServiceEntrySpec;
}

const DNS_RESOLUTIONS: ReadonlySet<Resolution> = new Set(['DNS', 'DNS_ROUND_ROBIN', 'DYNAMIC_DNS']);

function toEndpoint(w: Omit<EndpointWorkload, 'source' | 'namespace'> & { address: string }): ServiceEndpoint {
  const identity = w.serviceAccount ? { serviceAccount: w.serviceAccount } : {};
  return { address: w.address, ports: w.ports, labels: w.labels, locality: w.locality ?? '', weight: w.weight && w.weight > 0 ? w.weight : 1, ...identity };
}

/** The services (one per host) a ServiceEntry defines, with their endpoints. */
export function servicesOf(entry: ServiceEntryInput, workloads: WorkloadLookup<EndpointWorkload>, issues: TranslationIssue[]): MeshService[] {
  const { spec, source, namespace } = entry;
  // Istio's default resolution is NONE.
  const resolution: Resolution = spec.resolution ?? 'NONE';
  const allowNames = DNS_RESOLUTIONS.has(resolution);
  const ports: ServicePort[] = (spec.ports ?? []).map((p) => ({
    number: p.number,
    name: p.name,
    protocol: p.protocol?.toUpperCase(),
    targetPort: p.targetPort,
  }));
  const endpoints: ServiceEndpoint[] = [];
  const admit = (w: Omit<EndpointWorkload, 'source' | 'namespace'>, from: string, field: string) => {
    if (!w.address) {
      issues.push({ resource: from, field, message: 'endpoint has no address; skipped' });
      return;
    }
    if (!allowNames && !isIpAddress(w.address)) {
      issues.push({ resource: from, field, message: `address "${w.address}" is not an IP literal; only DNS resolution accepts names; skipped` });
      return;
    }
    endpoints.push(toEndpoint({ ...w, address: w.address }));
  };
  (spec.endpoints ?? []).forEach((e, i) =>
    admit({ address: e.address, ports: e.ports ?? {}, labels: e.labels ?? {}, locality: e.locality, weight: e.weight, serviceAccount: e.serviceAccount }, source, `spec.endpoints[${i}].address`),
  );
  if (spec.workloadSelector) {
    const allowed = spec.subjectAltNames?.length ? new Set(spec.subjectAltNames) : undefined;
    for (const w of workloads.select(namespace, spec.workloadSelector.labels ?? {})) {
      // subjectAltNames says who may serve the host: a registered workload proving another identity is no endpoint of it.
      if (allowed && w.identity !== undefined && !allowed.has(w.identity)) {
        issues.push({ resource: source, field: 'spec.subjectAltNames', message: `workload ${w.source} (${w.identity}) matches the selector but is not among subjectAltNames; not an endpoint` });
        continue;
      }
      admit(w, w.source, 'spec.address');
    }
  }
  return spec.hosts.map((host) => ({
    host,
    namespace,
    source,
    location: spec.location ?? 'MESH_EXTERNAL',
    resolution,
    ports,
    endpoints,
    selectsWorkloads: spec.workloadSelector !== undefined,
    exportTo: spec.exportTo,
    ...(spec.subjectAltNames?.length ? { subjectAltNames: spec.subjectAltNames } : {}),
    ...(spec.addresses?.length ? { addresses: spec.addresses } : {}),
  }));
}
