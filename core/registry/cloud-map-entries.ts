import { isIP } from 'node:net';
import { labelValueProblem, qualifiedNameProblem, toDnsLabelIfNeeded } from '../appmesh/convert/label-values.ts';
import type { RegisteredWorkload } from './workload-registry.ts';

/** One Cloud Map service whose instances are workloads of the mesh. */
export interface CloudMapSource {
  /** The Cloud Map namespace's name, e.g. `shop.local`. */
  cloudMapNamespace: string;
  /** The Cloud Map service's name in it. */
  service: string;
  /** The mesh namespace its workloads belong to. */
  namespace: string;
  /**
   * Labels every instance gets (the virtual node's, from `trellis import appmesh`): what ServiceEntries select.
   * Those under `cloudmap.appmesh.trellis.dev/` are App Mesh's attribute filter: only instances whose
   * attribute has that value are workloads.
   */
  labels?: Record<string, string>;
  /** Service port names AWS_INSTANCE_PORT serves; none: the instances serve the service ports themselves. */
  portNames?: string[];
}

export interface CloudMapInstance {
  id: string;
  attributes: Record<string, string>;
}

/** The port: a Cloud Map service's instances (implemented with AWS Cloud Map's API in core/adapters/aws/cloud-map). */
export interface CloudMapInstanceLister {
  list(cloudMapNamespace: string, service: string): Promise<CloudMapInstance[]>;
}

/** Attribute keys (besides AWS_INSTANCE_*) become labels under this prefix, as the App Mesh importer names them. */
export const CLOUD_MAP_LABEL_PREFIX = 'cloudmap.appmesh.trellis.dev/';

/** An instance Cloud Map holds that cannot be a workload, and why. */
export interface SkippedInstance {
  id: string;
  reason: string;
}

/** `shop.local/reviews/i-0abc` → a DNS label for `trellis get workloads`. */
function nameOf(service: string, id: string): string {
  const label = `${service}-${id}`.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63).replace(/-+$/, '');
  return label || 'instance';
}

/**
 * A Cloud Map service's instances as registry entries: AWS_INSTANCE_IPV4 is the address,
 * AWS_INSTANCE_PORT the port of every named service port, other attributes labels.
 * Instances the source's attribute filter leaves out are `filtered` (as App Mesh would not route
 * to them); instances without a usable address or port are skipped with the reason.
 */
export function cloudMapEntries(
  source: CloudMapSource,
  instances: readonly CloudMapInstance[],
  at: { tenantId: string; mesh: string; replica: string; now: Date; ttlMs: number },
): { entries: RegisteredWorkload[]; skipped: SkippedInstance[]; filtered: number } {
  const entries: RegisteredWorkload[] = [];
  const skipped: SkippedInstance[] = [];
  let filtered = 0;
  const filter = Object.entries(source.labels ?? {}).filter(([key]) => key.startsWith(CLOUD_MAP_LABEL_PREFIX));
  for (const instance of instances) {
    const labels: Record<string, string> = {};
    for (const [key, value] of Object.entries(instance.attributes)) {
      if (key.startsWith('AWS_')) continue;
      // Made label-safe exactly as the App Mesh importer does, so its selectors match the instances.
      const name = `${CLOUD_MAP_LABEL_PREFIX}${toDnsLabelIfNeeded(key)}`;
      if (!qualifiedNameProblem(name)) labels[name] = labelValueProblem(value) ? toDnsLabelIfNeeded(value) : value;
    }
    if (filter.some(([key, value]) => labels[key] !== value)) {
      filtered++;
      continue;
    }
    const address = instance.attributes.AWS_INSTANCE_IPV4;
    if (!address || isIP(address) !== 4) {
      skipped.push({ id: instance.id, reason: address ? `AWS_INSTANCE_IPV4 ${JSON.stringify(address.slice(0, 64))} is not an IPv4 address` : 'no AWS_INSTANCE_IPV4' });
      continue;
    }
    const portText = instance.attributes.AWS_INSTANCE_PORT;
    const port = portText === undefined ? undefined : Number(portText);
    if (port !== undefined && !(Number.isInteger(port) && port >= 1 && port <= 65535)) {
      skipped.push({ id: instance.id, reason: `AWS_INSTANCE_PORT ${JSON.stringify(portText!.slice(0, 64))} is not a port` });
      continue;
    }
    Object.assign(labels, source.labels);
    const ports = port !== undefined && source.portNames?.length ? Object.fromEntries(source.portNames.map((n) => [n, port])) : undefined;
    entries.push({
      tenantId: at.tenantId,
      mesh: at.mesh,
      id: `cloud-map/${source.cloudMapNamespace}/${source.service}/${instance.id}`,
      namespace: source.namespace,
      name: nameOf(source.service, instance.id),
      serviceAccount: 'default',
      address,
      labels,
      ...(ports ? { ports } : {}),
      source: 'cloud-map',
      replica: at.replica,
      since: at.now.toISOString(),
      expiresAt: new Date(at.now.getTime() + at.ttlMs).toISOString(),
    });
  }
  return { entries, skipped, filtered };
}
