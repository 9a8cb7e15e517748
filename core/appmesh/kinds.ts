import type { z } from 'zod';
import { GatewayRouteData, MeshData, RouteData, VirtualGatewayData, VirtualNodeData, VirtualRouterData, VirtualServiceData } from './schemas/index.ts';

/** The seven App Mesh resource kinds, with their names in `describe-*`/`list-*` output and CloudFormation. */
export const APP_MESH_KINDS = {
  Mesh: { describeKey: 'mesh', listKey: 'meshes', nameKey: 'meshName', parentKey: undefined, schema: MeshData },
  VirtualNode: { describeKey: 'virtualNode', listKey: 'virtualNodes', nameKey: 'virtualNodeName', parentKey: undefined, schema: VirtualNodeData },
  VirtualService: { describeKey: 'virtualService', listKey: 'virtualServices', nameKey: 'virtualServiceName', parentKey: undefined, schema: VirtualServiceData },
  VirtualRouter: { describeKey: 'virtualRouter', listKey: 'virtualRouters', nameKey: 'virtualRouterName', parentKey: undefined, schema: VirtualRouterData },
  Route: { describeKey: 'route', listKey: 'routes', nameKey: 'routeName', parentKey: 'virtualRouterName', schema: RouteData },
  VirtualGateway: { describeKey: 'virtualGateway', listKey: 'virtualGateways', nameKey: 'virtualGatewayName', parentKey: undefined, schema: VirtualGatewayData },
  GatewayRoute: { describeKey: 'gatewayRoute', listKey: 'gatewayRoutes', nameKey: 'gatewayRouteName', parentKey: 'virtualGatewayName', schema: GatewayRouteData },
} as const satisfies Record<string, { describeKey: string; listKey: string; nameKey: string; parentKey: string | undefined; schema: z.ZodType }>;

export type AppMeshKind = keyof typeof APP_MESH_KINDS;
export const APP_MESH_KIND_NAMES = Object.keys(APP_MESH_KINDS) as AppMeshKind[];

export interface DataOf {
  Mesh: MeshData;
  VirtualNode: VirtualNodeData;
  VirtualService: VirtualServiceData;
  VirtualRouter: VirtualRouterData;
  Route: RouteData;
  VirtualGateway: VirtualGatewayData;
  GatewayRoute: GatewayRouteData;
}
