import type { Located } from '../inventory.ts';
import type { GatewayRouteData, VirtualGatewayData } from '../schemas/index.ts';
import type { GrpcGatewayRoute, HttpGatewayRoute } from '../schemas/gateway-route.ts';
import type { GatewayListener } from '../schemas/virtual-gateway.ts';
import { emit, where } from './context.ts';
import { VIRTUAL_GATEWAY_LABEL } from './labels.ts';
import type { GatewayPathView } from './gateway-paths.ts';
import { carryRouterRoutes, type GatewayRouteFront } from './gateway-router-routes.ts';
import { escapeRegex, headerConditions, type StringMatch } from './matches.ts';
import { sourceOf, type MeshScope } from './mesh-model.ts';
import { istioProtocol, portName } from './ports.ts';

/** Converts virtual gateways to Gateways and their gateway routes to one VirtualService per gateway. */
export function convertGateways(scope: MeshScope): void {
  for (const gw of scope.index.gateways.values()) convertGateway(scope, gw);
}

function serverTls(scope: MeshScope, source: string, field: string, l: GatewayListener): Record<string, unknown> | undefined {
  const tls = l.tls;
  if (!tls || tls.mode === 'DISABLED') return undefined;
  const { report, names } = scope.ctx;
  const out: Record<string, unknown> = { mode: tls.validation ? 'MUTUAL' : 'SIMPLE' };
  const cert = tls.certificate;
  if (cert.file) {
    out.serverCertificate = cert.file.certificateChain;
    out.privateKey = cert.file.privateKey;
    report.mapped(source, `${field}.certificate.file`, 'Gateway servers[].tls.serverCertificate / privateKey', 'the files must exist on the gateway host');
  } else if (cert.sds) {
    out.credentialName = names.name('credential', cert.sds.secretName);
    report.approximated(source, `${field}.certificate.sds`, `Gateway servers[].tls.credentialName ${String(out.credentialName)}`, 'serve the same secret to the gateway under this credential name');
  } else {
    out.credentialName = names.name('credential', `acm-${cert.acm!.certificateArn.split('/').pop() ?? 'certificate'}`);
    report.approximated(source, `${field}.certificate.acm`, `Gateway servers[].tls.credentialName ${String(out.credentialName)}`, 'an ACM certificate stays in ACM: export it (or issue one) and provide it to the gateway under this credential name, or keep TLS on the AWS load balancer in front');
  }
  if (tls.validation?.trust.file) out.caCertificates = tls.validation.trust.file.certificateChain;
  if (tls.validation?.subjectAlternativeNames) out.subjectAltNames = tls.validation.subjectAlternativeNames.match.exact;
  if (tls.validation) report.mapped(source, `${field}.validation`, 'Gateway servers[].tls mode MUTUAL');
  if (tls.mode === 'PERMISSIVE') report.approximated(source, `${field}.mode`, 'Gateway servers[].tls', 'a gateway port is either TLS or plaintext: PERMISSIVE becomes TLS');
  else report.mapped(source, `${field}.mode`, 'Gateway servers[].tls');
  return out;
}

function convertGateway(scope: MeshScope, gw: Located<VirtualGatewayData>): void {
  const { ctx, namespace, index } = scope;
  const gwName = gw.data.virtualGatewayName;
  const source = sourceOf('VirtualGateway', index.name, gwName);
  const label = ctx.names.name(`${namespace}/gateway`, gwName);
  const listeners = gw.data.spec.listeners;
  const servers = listeners.map((l, i) => {
    const tls = serverTls(scope, source, `spec.listeners[${i}].tls`, l);
    if (l.healthCheck) ctx.report.none(source, `spec.listeners[${i}].healthCheck`, 'Trellis gateways are not probed by the mesh; keep the load balancer health check');
    if (l.connectionPool) ctx.report.none(source, `spec.listeners[${i}].connectionPool`, 'gateway inbound connection limits are not translated; set limits on the load balancer or DestinationRules of the targets');
    // Only HTTPS servers terminate TLS; with ALPN h2 it carries App Mesh's http2 and grpc listeners too (a TLS GRPC server would serve plaintext).
    const protocol = tls ? 'HTTPS' : istioProtocol(l.portMapping.protocol);
    return { port: { number: l.portMapping.port, name: portName(l.portMapping), protocol }, hosts: ['*'], ...(tls ? { tls } : {}) };
  });
  const gateway = emit(ctx, source, 'Gateway', namespace, label, { selector: { [VIRTUAL_GATEWAY_LABEL]: label }, servers });
  ctx.report.mapped(source, 'spec.listeners', where(gateway, 'spec.servers'), `runs on the gateway workloads labelled ${VIRTUAL_GATEWAY_LABEL}=${label}`);
  if (gw.data.spec.backendDefaults?.clientPolicy?.tls) ctx.report.approximated(source, 'spec.backendDefaults.clientPolicy.tls', 'Trellis mesh mTLS', 'the gateway reaches mesh services with mesh certificates');
  if (gw.data.spec.logging?.accessLog) ctx.report.none(source, 'spec.logging.accessLog', 'gateway access logs are not configured by Trellis yet');

  const routes = [...(index.gatewayRoutes.get(gwName) ?? [])].sort((a, b) => (a.data.spec.priority ?? 1001) - (b.data.spec.priority ?? 1001) || a.data.gatewayRouteName.localeCompare(b.data.gatewayRouteName));
  const http = routes.flatMap((r) => convertGatewayRoute(scope, r, listeners.length > 1));
  if (http.length === 0) {
    ctx.report.none(source, '(gateway routes)', 'no gateway route could be converted; the Gateway accepts connections but routes nothing');
    return;
  }
  emit(ctx, source, 'VirtualService', namespace, ctx.names.name(`${namespace}/service`, `${gwName}-gateway-routes`), { hosts: ['*'], gateways: [label], http });
}

function convertGatewayRoute(scope: MeshScope, r: Located<GatewayRouteData>, multiPort: boolean): Record<string, unknown>[] {
  const { ctx, namespace, index } = scope;
  const d = r.data;
  const source = sourceOf('GatewayRoute', index.name, d.virtualGatewayName, d.gatewayRouteName);
  const type = d.spec.grpcRoute ? 'grpcRoute' : d.spec.http2Route ? 'http2Route' : 'httpRoute';
  const spec = (d.spec.grpcRoute ?? d.spec.http2Route ?? d.spec.httpRoute)!;
  const field = `spec.${type}`;
  const targetName = spec.action.target.virtualService.virtualServiceName;
  const target = scope.hosts.get(targetName);
  if (!target) {
    ctx.report.leftOut(source, `${field}.action.target`, `virtual service "${targetName}" was not converted; the gateway route is left out`);
    return [];
  }
  const trellis = `VirtualService ${namespace} (gateway ${d.virtualGatewayName}) spec.http[]`;
  const match: Record<string, unknown> = {};
  const rewrite: Record<string, unknown> = {};
  let view: GatewayPathView;
  if (spec.match.hostname?.exact) match.authority = { exact: spec.match.hostname.exact };
  if (spec.match.hostname?.suffix) match.authority = { regex: `.*${escapeRegex(spec.match.hostname.suffix)}(:[0-9]+)?` };
  if (spec.match.hostname) ctx.report.mapped(source, `${field}.match.hostname`, `${trellis}.match[].authority`);
  if (spec.match.port !== undefined) match.port = spec.match.port;
  const h = headerConditions(type === 'grpcRoute' ? (spec as GrpcGatewayRoute).match.metadata : (spec as HttpGatewayRoute).match.headers);
  if (h.unsupported) {
    ctx.report.leftOut(source, `${field}.match`, `${h.unsupported}; the gateway route is left out`);
    return [];
  }
  if (Object.keys(h.headers).length) match.headers = h.headers;
  if (Object.keys(h.withoutHeaders).length) match.withoutHeaders = h.withoutHeaders;
  if (type === 'grpcRoute') {
    const g = spec as GrpcGatewayRoute;
    if (g.match.serviceName) match.uri = { prefix: `/${g.match.serviceName}/` };
    view = { kind: 'same', ...(match.uri ? { uri: match.uri as StringMatch } : {}) };
  } else {
    const m = (spec as HttpGatewayRoute).match;
    const rw = (spec as HttpGatewayRoute).action.rewrite;
    if (m.method) match.method = { exact: m.method };
    if (m.queryParameters?.length) match.queryParams = Object.fromEntries(m.queryParameters.map((q) => [q.name, q.match ? { exact: q.match.exact } : { regex: '.*' }]));
    if (m.path?.exact) match.uri = { exact: m.path.exact };
    if (m.path?.regex) match.uri = { regex: m.path.regex };
    if (m.prefix !== undefined && m.prefix !== '/') match.uri = { prefix: m.prefix };
    view = { kind: 'same', ...(match.uri ? { uri: match.uri as StringMatch } : {}) };
    if (rw?.path) {
      rewrite.uri = rw.path.exact;
      view = { kind: 'fixed', path: rw.path.exact, ...(match.uri ? { uri: match.uri as StringMatch } : {}) };
    } else if (m.prefix !== undefined && m.prefix !== '/') {
      // App Mesh rewrites the matched prefix to "/" (or the configured value) unless told not to.
      if (rw?.prefix?.defaultPrefix !== 'DISABLED' || rw.prefix.value) {
        const to = rw?.prefix?.value ?? '/';
        rewrite.uriRegexRewrite = { match: `^${escapeRegex(m.prefix.replace(/\/$/, ''))}/?`, rewrite: to };
        view = { kind: 'prefix', prefix: m.prefix, to };
        ctx.report.mapped(source, `${field}.action.rewrite.prefix`, `${trellis}.rewrite.uriRegexRewrite`, rw?.prefix ? '' : `App Mesh's default: the matched prefix ${m.prefix} becomes ${to}`);
      }
    }
    if (m.prefix !== undefined || m.path) ctx.report.mapped(source, `${field}.match.${m.path ? 'path' : 'prefix'}`, `${trellis}.match[].uri`);
  }
  if (spec.action.rewrite?.hostname?.defaultTargetHostname !== 'DISABLED') {
    rewrite.authority = target.host;
    ctx.report.mapped(source, `${field}.action.rewrite.hostname`, `${trellis}.rewrite.authority`, spec.action.rewrite?.hostname ? '' : "App Mesh's default: Host becomes the target virtual service name");
  }
  const port = spec.action.target.port ?? (target.ports.length > 1 || multiPort ? target.ports[0] : undefined);
  const name = ctx.names.name(`${namespace}/${d.virtualGatewayName}/gateway-route`, d.gatewayRouteName);
  if (target.router) return routerTarget(scope, source, field, trellis, target.router, { name, match, rewrite, view, port: port ?? target.ports[0], destinationPort: port });
  ctx.report.mapped(source, `${field}.action.target`, `${trellis}.route[0].destination`);
  return [{
    name,
    ...(Object.keys(match).length ? { match: [match] } : {}),
    route: [{ destination: { host: target.host, ...(port !== undefined ? { port: { number: port } } : {}) } }],
    ...(Object.keys(rewrite).length ? { rewrite } : {}),
  }];
}

/** A target behind a virtual router: the router's routes are carried into the gateway's rules, since an Istio gateway's VirtualService does not chain into the service's. */
function routerTarget(scope: MeshScope, source: string, field: string, trellis: string, router: { name: string; http: Record<string, unknown>[] }, front: GatewayRouteFront): Record<string, unknown>[] {
  const { report } = scope.ctx;
  const carried = carryRouterRoutes(front, router.http);
  for (const d of carried.dropped) report.none(source, `${field}.action.target`, `route ${d.route} of virtual router ${router.name} is not applied at the gateway: ${d.reason}; requests it would take go to the router's next matching route, or get 404 (write the gateway route without a rewrite, or give the route a prefix)`);
  const routes = carried.http.filter((r) => !('directResponse' in r)).length;
  report.mapped(source, `${field}.action.target`, trellis, `the target is provided by virtual router ${router.name}: its routes (${routes} carried) apply at the gateway, each matched together with this gateway route on the path the router would see after the gateway's rewrite, and a request none of them takes gets 404 as in App Mesh`);
  return carried.http;
}
