import type { Typed } from './mesh-view.ts';

export interface RouteDestinationRef {
  host: string;
  subset?: string;
  /** Weight as written; undefined when the route has a single unweighted destination. */
  weight?: number;
  /** Path of the `destination` object, e.g. `spec.http[0].route[1].destination`. */
  path: string;
  /** Path of the entry holding the weight, e.g. `spec.http[0].route[1]`. */
  entryPath: string;
}

/** Every route destination of a VirtualService (http, tls, tcp; mirrors excluded: they carry no weight). */
export function routeDestinations(vs: Typed<'VirtualService'>): RouteDestinationRef[] {
  const out: RouteDestinationRef[] = [];
  const sections = [
    ['http', vs.spec.http],
    ['tls', vs.spec.tls],
    ['tcp', vs.spec.tcp],
  ] as const;
  for (const [section, routes] of sections) {
    (routes ?? []).forEach((route, i) => {
      (route.route ?? []).forEach((entry, j) => {
        const entryPath = `spec.${section}[${i}].route[${j}]`;
        out.push({
          host: entry.destination.host,
          ...(entry.destination.subset !== undefined ? { subset: entry.destination.subset } : {}),
          ...(entry.weight !== undefined ? { weight: entry.weight } : {}),
          path: `${entryPath}.destination`,
          entryPath,
        });
      });
    });
  }
  return out;
}

/** Sidecars use a VirtualService when it names no gateways or names `mesh`. */
export function appliesToSidecars(vs: Typed<'VirtualService'>): boolean {
  const gateways = vs.spec.gateways ?? [];
  return gateways.length === 0 || gateways.includes('mesh');
}
