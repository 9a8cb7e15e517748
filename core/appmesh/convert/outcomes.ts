import { APP_MESH_KIND_NAMES, type AppMeshKind, type DataOf } from '../kinds.ts';
import type { AppMeshInventory } from '../inventory.ts';
import type { ImportReport } from '../report.ts';
import { sourceOf } from './mesh-model.ts';

/** The report's name for an App Mesh resource: `Route/mesh/router/route`. */
export function sourceOfData(kind: AppMeshKind, data: DataOf[AppMeshKind]): string {
  const d = data as unknown as Record<string, string>;
  if (kind === 'Mesh') return sourceOf('Mesh', d.meshName!);
  if (kind === 'Route') return sourceOf(kind, d.meshName!, d.virtualRouterName!, d.routeName!);
  if (kind === 'GatewayRoute') return sourceOf(kind, d.meshName!, d.virtualGatewayName!, d.gatewayRouteName!);
  const nameKey = `${kind.charAt(0).toLowerCase()}${kind.slice(1)}Name`;
  return sourceOf(kind, d.meshName!, d[nameKey]!);
}

/** Why nothing was made of a resource the conversion never reached; `parents` holds `mesh/name` of every router and gateway. */
function unreachedReason(kind: AppMeshKind, data: DataOf[AppMeshKind], parents: ReadonlySet<string>): string {
  const d = data as unknown as Record<string, string>;
  if (kind === 'Route' && !parents.has(`VirtualRouter/${d.meshName}/${d.virtualRouterName}`)) return `its virtual router "${d.virtualRouterName}" is not in the input`;
  if (kind === 'GatewayRoute' && !parents.has(`VirtualGateway/${d.meshName}/${d.virtualGatewayName}`)) return `its virtual gateway "${d.virtualGatewayName}" is not in the input`;
  if (kind === 'Route' || kind === 'VirtualRouter') return 'no virtual service in the input has this router as its provider, so nothing routes to it; add that virtual service';
  return 'nothing was made from it';
}

/**
 * What became of every App Mesh resource of the input: converted, not converted (with the reasons), or
 * skipped because its CloudFormation condition is false. A resource the conversion never reached is
 * not converted, so nothing disappears silently.
 */
export function recordOutcomes(inventory: AppMeshInventory, report: ImportReport): void {
  const seen = new Set<string>();
  const parents = new Set([...inventory.VirtualRouter.map((r) => sourceOfData('VirtualRouter', r.data)), ...inventory.VirtualGateway.map((g) => sourceOfData('VirtualGateway', g.data))]);
  for (const kind of APP_MESH_KIND_NAMES) {
    for (const { data } of inventory[kind] as { data: DataOf[AppMeshKind] }[]) {
      const source = sourceOfData(kind, data);
      if (seen.has(source)) continue;
      seen.add(source);
      if (!report.reasonsLeftOut(source) && !report.hasEntriesFor(source)) report.leftOut(source, '(resource)', unreachedReason(kind, data, parents));
      const reasons = report.reasonsLeftOut(source);
      report.resources.push({ source, kind, outcome: reasons ? 'not converted' : 'converted', reasons: reasons ?? [] });
    }
  }
  for (const l of inventory.listed) {
    const source = l.kind === 'Mesh' ? sourceOf('Mesh', l.name) : sourceOf(l.kind, l.meshName, ...(l.parent ? [l.parent] : []), l.name);
    const reasons = report.reasonsLeftOut(source);
    if (seen.has(source) || !reasons) continue;
    seen.add(source);
    report.resources.push({ source, kind: l.kind, outcome: 'not converted', reasons });
  }
  for (const s of inventory.skipped) report.resources.push({ source: s.source, kind: s.kind, outcome: 'skipped', reasons: [s.reason] });
}
