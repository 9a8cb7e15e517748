import { hostProblem } from '../../resources/formats/hostname.ts';
import type { Located } from '../inventory.ts';
import type { RouteData, VirtualServiceData } from '../schemas/index.ts';
import { emit, where } from './context.ts';
import { convertHttpRoute, convertTcpRoute, type RouteInput } from './http-routes.ts';
import { MEMBER, VIRTUAL_NODE_LABEL, routerMemberLabel } from './labels.ts';
import { listenerFor, sourceOf, type MeshScope, type NodeInfo, type ServiceTarget } from './mesh-model.ts';
import { listenerTrafficPolicy, type TrafficPolicy } from './node-policy.ts';
import { isHttpFamily, portName, servicePort } from './ports.ts';
import { DEFAULT_ROUTE_TIMEOUT, defaultRetries } from './retries.ts';
import { toIstioDuration } from './durations.ts';

const ROUTE_TYPES = ['httpRoute', 'http2Route', 'grpcRoute', 'tcpRoute'] as const;

/** Priority order: lower first, unset last (App Mesh then prefers the more specific; here, name order). */
function byPriority(a: Located<RouteData>, b: Located<RouteData>): number {
  return (a.data.spec.priority ?? 1001) - (b.data.spec.priority ?? 1001) || a.data.routeName.localeCompare(b.data.routeName);
}

function resolutionFor(nodes: readonly NodeInfo[]): 'DNS' | 'STATIC' {
  return nodes.some((n) => n.node.data.spec.serviceDiscovery?.dns) ? 'DNS' : 'STATIC';
}

/** Converts every virtual service of a mesh into a ServiceEntry, a DestinationRule and a VirtualService. */
export function convertServices(scope: MeshScope): void {
  for (const vs of scope.index.services.values()) {
    const source = sourceOf('VirtualService', scope.index.name, vs.data.virtualServiceName);
    const host = vs.data.virtualServiceName.toLowerCase();
    const problem = hostProblem(host);
    if (problem) {
      scope.ctx.report.leftOut(source, 'virtualServiceName', `not a host name Trellis accepts (${problem}); the service is left out`);
      continue;
    }
    const provider = vs.data.spec.provider;
    if (provider?.virtualRouter) routerService(scope, vs, host, provider.virtualRouter.virtualRouterName, source);
    else if (provider?.virtualNode) nodeService(scope, vs, host, provider.virtualNode.virtualNodeName, source);
    else scope.ctx.report.leftOut(source, 'spec.provider', 'no provider: App Mesh answered nothing for it; nothing is emitted (give it a provider, or drop it)');
  }
}

function nodeService(scope: MeshScope, vs: Located<VirtualServiceData>, host: string, nodeName: string, source: string): void {
  const { ctx, namespace } = scope;
  const info = scope.nodes.get(nodeName);
  if (!info) {
    ctx.report.leftOut(source, 'spec.provider.virtualNode', `virtual node "${nodeName}" is not in the input; the service is left out`);
    return;
  }
  const listeners = info.node.data.spec.listeners ?? [];
  if (listeners.length === 0) {
    ctx.report.leftOut(source, 'spec.provider.virtualNode', `virtual node "${nodeName}" has no listeners; the service is left out`);
    return;
  }
  const name = ctx.names.name(`${namespace}/service`, vs.data.virtualServiceName);
  const ports = listeners.map((l) => servicePort(l.portMapping));
  for (const l of listeners) info.ports[portName(l.portMapping)] = l.portMapping.port;
  const se = emit(ctx, source, 'ServiceEntry', namespace, name, {
    hosts: [host],
    location: 'MESH_INTERNAL',
    resolution: resolutionFor([info]),
    ports,
    workloadSelector: { labels: { [VIRTUAL_NODE_LABEL]: info.label } },
  });
  ctx.report.mapped(source, 'virtualServiceName', where(se, 'spec.hosts'), `selects the workloads labelled ${VIRTUAL_NODE_LABEL}=${info.label}`);
  scope.hosts.set(vs.data.virtualServiceName, { host, ports: ports.map((p) => p.number) });
  const first = listeners[0]!;
  const policy = listenerTrafficPolicy(first, info.source, 'spec.listeners[0]', `DestinationRule ${namespace}/${name} spec.trafficPolicy`, ctx.report);
  const dr = emit(ctx, source, 'DestinationRule', namespace, name, { host, ...(Object.keys(policy).length ? { trafficPolicy: policy } : {}) });
  scope.destinationRules.set(host, dr);
  if (listeners.some((l) => isHttpFamily(l.portMapping.protocol))) {
    const perRequest = toIstioDuration(first.timeout?.http?.perRequest ?? first.timeout?.http2?.perRequest ?? first.timeout?.grpc?.perRequest);
    const vsr = emit(ctx, source, 'VirtualService', namespace, name, {
      hosts: [host],
      http: [{ name: 'default', route: [{ destination: { host } }], timeout: perRequest ?? DEFAULT_ROUTE_TIMEOUT, retries: defaultRetries(first.portMapping.protocol === 'grpc') }],
    });
    ctx.report.approximated(source, 'spec.provider.virtualNode', where(vsr, 'spec.http[0]'), "App Mesh's implicit route to a node provider: its default timeout and retry policy are made explicit");
  }
}

function routerService(scope: MeshScope, vs: Located<VirtualServiceData>, host: string, routerName: string, source: string): void {
  const { ctx, namespace, index } = scope;
  const router = index.routers.get(routerName);
  if (!router) {
    ctx.report.leftOut(source, 'spec.provider.virtualRouter', `virtual router "${routerName}" is not in the input; the service is left out`);
    return;
  }
  const routerSource = sourceOf('VirtualRouter', index.name, routerName);
  const listeners = router.data.spec.listeners ?? [];
  if (listeners.length === 0) {
    ctx.report.leftOut(routerSource, 'spec.listeners', 'no listeners: the router takes no traffic');
    ctx.report.leftOut(source, 'spec.provider.virtualRouter', `virtual router "${routerName}" has no listeners; the service is left out`);
    return;
  }
  const routerLabel = ctx.names.name(`${namespace}/router`, routerName);
  const name = ctx.names.name(`${namespace}/service`, vs.data.virtualServiceName);
  const ports = listeners.map((l) => servicePort(l.portMapping));
  const routes = [...(index.routes.get(routerName) ?? [])].sort(byPriority);
  if (routes.length === 0) ctx.report.none(routerSource, '(routes)', 'the router has no routes in the input; its services get no traffic');

  const targets = new Map<string, NodeInfo>();
  for (const r of routes) {
    const spec = ROUTE_TYPES.map((t) => r.data.spec[t]).find((x) => x !== undefined)!;
    for (const t of spec.action.weightedTargets) {
      const info = scope.nodes.get(t.virtualNode);
      if (!info) continue;
      targets.set(info.name, info);
      info.labels[routerMemberLabel(routerLabel)] = MEMBER;
      const protocol = r.data.spec.tcpRoute ? 'tcp' : r.data.spec.grpcRoute ? 'grpc' : r.data.spec.http2Route ? 'http2' : 'http';
      for (const l of listeners) {
        const match = listenerFor(info.node.data, t.port ?? l.portMapping.port, protocol);
        if (match) info.ports[portName(l.portMapping)] = match.listener.portMapping.port;
      }
    }
  }
  const sortedTargets = [...targets.values()].sort((a, b) => a.label.localeCompare(b.label));
  const se = emit(ctx, source, 'ServiceEntry', namespace, name, {
    hosts: [host],
    location: 'MESH_INTERNAL',
    resolution: resolutionFor(sortedTargets),
    ports,
    workloadSelector: { labels: { [routerMemberLabel(routerLabel)]: MEMBER } },
  });
  ctx.report.mapped(source, 'virtualServiceName', where(se, 'spec.hosts'), `selects the workloads of every node the router targets (label ${routerMemberLabel(routerLabel)}=${MEMBER})`);
  ctx.report.mapped(routerSource, 'spec.listeners', where(se, 'spec.ports'));
  const target: ServiceTarget = { host, ports: ports.map((p) => p.number) };
  scope.hosts.set(vs.data.virtualServiceName, target);

  const subsets = sortedTargets.map((info) => {
    const routePort = listeners[0]!.portMapping.port;
    const match = listenerFor(info.node.data, routePort, listeners[0]!.portMapping.protocol);
    const trellis = `DestinationRule ${namespace}/${name} spec.subsets[${info.label}].trafficPolicy`;
    const policy: TrafficPolicy = match ? listenerTrafficPolicy(match.listener, info.source, `spec.listeners[${match.index}]`, trellis, ctx.report) : {};
    return { name: info.label, labels: { [VIRTUAL_NODE_LABEL]: info.label }, ...(Object.keys(policy).length ? { trafficPolicy: policy } : {}) };
  });
  const dr = emit(ctx, source, 'DestinationRule', namespace, name, { host, subsets });
  scope.destinationRules.set(host, dr);

  const http: Record<string, unknown>[] = [];
  const tcp: Record<string, unknown>[] = [];
  const routeNames = new Set<string>();
  for (const r of routes) {
    const routeSource = sourceOf('Route', index.name, routerName, r.data.routeName);
    const type = ROUTE_TYPES.find((t) => r.data.spec[t] !== undefined)!;
    const spec = r.data.spec[type]!;
    const matchPort = 'match' in spec ? spec.match?.port : undefined;
    const trellis = `VirtualService ${namespace}/${name} spec.${type === 'tcpRoute' ? 'tcp' : 'http'}[]`;
    const input: RouteInput = {
      route: r,
      source: routeSource,
      servicePort: listeners.length > 1 ? (matchPort ?? listeners.find((l) => (type === 'tcpRoute') === (l.portMapping.protocol === 'tcp'))?.portMapping.port) : undefined,
      target: (nodeName) => {
        const info = targets.get(nodeName);
        return info ? { host, subset: info.label } : undefined;
      },
      report: ctx.report,
      trellis,
    };
    if (r.data.spec.priority !== undefined) ctx.report.mapped(routeSource, 'spec.priority', trellis, 'routes are listed in priority order (lowest first)');
    let routeName = ctx.names.name(`${namespace}/${name}/route`, r.data.routeName);
    if (routeNames.has(routeName)) routeName = `${routeName}-${routeNames.size}`;
    routeNames.add(routeName);
    const converted = type === 'tcpRoute' ? convertTcpRoute(input, r.data.spec.tcpRoute!) : convertHttpRoute(input, routeName, type, r.data.spec[type] as never);
    if (!converted) continue;
    (type === 'tcpRoute' ? tcp : http).push(converted);
    idleToSubsets(subsets, spec.timeout?.idle, type === 'tcpRoute' ? 'tcp' : 'http', spec.action.weightedTargets.map((t) => targets.get(t.virtualNode)?.label));
  }
  target.router = { name: routerName, http };
  if (http.length === 0 && tcp.length === 0) return;
  emit(ctx, source, 'VirtualService', namespace, name, { hosts: [host], ...(http.length ? { http } : {}), ...(tcp.length ? { tcp } : {}) });
}

/** A route's idle timeout on the subsets it targets, unless their listener already set one. */
function idleToSubsets(subsets: { name: string; trafficPolicy?: TrafficPolicy }[], idle: { unit: 's' | 'ms'; value: number } | undefined, layer: 'http' | 'tcp', labels: (string | undefined)[]): void {
  const text = toIstioDuration(idle);
  if (!text) return;
  for (const s of subsets) {
    if (!labels.includes(s.name)) continue;
    const policy = (s.trafficPolicy ??= {});
    const pool = (policy.connectionPool ??= {});
    const settings = (pool[layer] ??= {});
    settings.idleTimeout ??= text;
  }
}
