import type { AppMeshInventory, Located } from '../inventory.ts';
import type { GatewayRouteData, MeshData, RouteData, VirtualGatewayData, VirtualNodeData, VirtualRouterData, VirtualServiceData } from '../schemas/index.ts';
import type { ImportReport } from '../report.ts';

/** The resources of one App Mesh mesh, by name. */
export interface MeshIndex {
  name: string;
  mesh: Located<MeshData> | undefined;
  nodes: Map<string, Located<VirtualNodeData>>;
  services: Map<string, Located<VirtualServiceData>>;
  routers: Map<string, Located<VirtualRouterData>>;
  /** Routes per virtual router name. */
  routes: Map<string, Located<RouteData>[]>;
  gateways: Map<string, Located<VirtualGatewayData>>;
  /** Gateway routes per virtual gateway name. */
  gatewayRoutes: Map<string, Located<GatewayRouteData>[]>;
}

const byName = <T>(items: T[], name: (t: T) => string) => [...items].sort((a, b) => name(a).localeCompare(name(b)));

function put<T>(map: Map<string, Located<T>>, key: string, item: Located<T>, what: string, report: ImportReport): void {
  const existing = map.get(key);
  if (existing) {
    report.none(what, '(resource)', `described twice (${existing.source} and ${item.source}); the first is used`);
    return;
  }
  map.set(key, item);
}

/** Groups what was read by mesh, in name order so that output and generated names are deterministic. */
export function indexByMesh(inventory: AppMeshInventory, report: ImportReport): MeshIndex[] {
  const meshes = new Map<string, MeshIndex>();
  const of = (name: string) => {
    let m = meshes.get(name);
    if (!m) meshes.set(name, (m = { name, mesh: undefined, nodes: new Map(), services: new Map(), routers: new Map(), routes: new Map(), gateways: new Map(), gatewayRoutes: new Map() }));
    return m;
  };
  for (const m of inventory.Mesh) {
    const index = of(m.data.meshName);
    if (index.mesh) report.none(`Mesh/${m.data.meshName}`, '(resource)', `described twice (${index.mesh.source} and ${m.source}); the first is used`);
    else index.mesh = m;
  }
  for (const n of byName(inventory.VirtualNode, (x) => x.data.virtualNodeName)) put(of(n.data.meshName).nodes, n.data.virtualNodeName, n, `VirtualNode/${n.data.meshName}/${n.data.virtualNodeName}`, report);
  for (const s of byName(inventory.VirtualService, (x) => x.data.virtualServiceName)) put(of(s.data.meshName).services, s.data.virtualServiceName, s, `VirtualService/${s.data.meshName}/${s.data.virtualServiceName}`, report);
  for (const r of byName(inventory.VirtualRouter, (x) => x.data.virtualRouterName)) put(of(r.data.meshName).routers, r.data.virtualRouterName, r, `VirtualRouter/${r.data.meshName}/${r.data.virtualRouterName}`, report);
  for (const g of byName(inventory.VirtualGateway, (x) => x.data.virtualGatewayName)) put(of(g.data.meshName).gateways, g.data.virtualGatewayName, g, `VirtualGateway/${g.data.meshName}/${g.data.virtualGatewayName}`, report);
  for (const r of byName(inventory.Route, (x) => x.data.routeName)) {
    const list = of(r.data.meshName).routes;
    const routes = list.get(r.data.virtualRouterName) ?? [];
    if (routes.some((x) => x.data.routeName === r.data.routeName)) report.none(`Route/${r.data.meshName}/${r.data.virtualRouterName}/${r.data.routeName}`, '(resource)', 'described twice; the first is used');
    else list.set(r.data.virtualRouterName, [...routes, r]);
  }
  for (const r of byName(inventory.GatewayRoute, (x) => x.data.gatewayRouteName)) {
    const list = of(r.data.meshName).gatewayRoutes;
    const routes = list.get(r.data.virtualGatewayName) ?? [];
    if (routes.some((x) => x.data.gatewayRouteName === r.data.gatewayRouteName)) report.none(`GatewayRoute/${r.data.meshName}/${r.data.virtualGatewayName}/${r.data.gatewayRouteName}`, '(resource)', 'described twice; the first is used');
    else list.set(r.data.virtualGatewayName, [...routes, r]);
  }
  return [...meshes.values()].sort((a, b) => a.name.localeCompare(b.name));
}
