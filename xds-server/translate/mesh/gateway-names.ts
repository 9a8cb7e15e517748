import type { RouteContext } from '../routes/route-context.ts';

const CLUSTER_SUFFIX = '.svc.cluster.local';

/** A VirtualService's gateway reference as `namespace/name`: `name` is in the VirtualService's namespace; `mesh` stays `mesh`. */
export function gatewayRef(ref: string, vsNamespace: string): string {
  if (ref === 'mesh' || ref.includes('/')) return ref;
  // Older configs name gateways by FQDN: name.namespace.svc.cluster.local.
  if (ref.endsWith(CLUSTER_SUFFIX)) {
    const [name, namespace] = ref.slice(0, -CLUSTER_SUFFIX.length).split('.');
    if (name && namespace) return `${namespace}/${name}`;
  }
  return `${vsNamespace}/${ref}`;
}

/** Whether a match's `gateways` admit this proxy: sidecars need `mesh` (or none); gateways need their own name (or none). */
export function gatewaysApply(ctx: Pick<RouteContext, 'gateways'>, gateways: readonly string[] | undefined, vsNamespace: string): boolean {
  if (!gateways || gateways.length === 0) return true;
  if (!ctx.gateways) return gateways.includes('mesh');
  const own = new Set(ctx.gateways);
  return gateways.some((g) => own.has(gatewayRef(g, vsNamespace)));
}
