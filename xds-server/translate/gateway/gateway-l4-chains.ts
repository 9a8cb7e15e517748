import { labelsMatch } from '../mesh/labels-match.ts';
import { gatewaysApply } from '../mesh/gateway-names.ts';
import type { VirtualServiceEntry } from '../mesh/mesh-model.ts';
import { tcpProxy } from '../listeners/tcp-outbound.ts';
import type { RouteContext } from '../routes/route-context.ts';
import { boundVirtualServices, hostsFor, type GatewayServer } from './gateway-selection.ts';
import { intersectAll } from './host-intersection.ts';

type Obj = Record<string, unknown>;
type L4Match = { port?: number; sourceLabels?: Record<string, string>; sourceNamespace?: string; gateways?: string[] };

function applies(ctx: RouteContext, m: L4Match, port: number, vs: VirtualServiceEntry): boolean {
  if (m.port !== undefined && m.port !== port) return false;
  if (m.sourceNamespace !== undefined && m.sourceNamespace !== ctx.namespace) return false;
  return gatewaysApply(ctx, m.gateways, vs.namespace) && labelsMatch(m.sourceLabels, ctx.labels);
}

const statPrefix = (s: GatewayServer) => `gateway|${s.server.port.number}|${s.gateway.namespace}/${s.gateway.name}`;

/**
 * PASSTHROUGH: one filter chain per `tls` rule of the bound VirtualServices, matched by SNI
 * (the rule's sniHosts intersected with the server hosts), forwarding the TLS bytes untouched.
 */
export function passthroughChains(ctx: RouteContext, s: GatewayServer): Obj[] {
  const port = s.server.port.number;
  const local: RouteContext = { ...ctx, gateways: [s.ref] };
  const chains: Obj[] = [];
  for (const vs of boundVirtualServices(ctx.index, s.ref, s.gateway.namespace)) {
    const serverHosts = hostsFor(s, vs.namespace);
    (vs.spec.tls ?? []).forEach((rule, i) => {
      const sni = rule.match.filter((m) => applies(local, m, port, vs)).flatMap((m) => m.sniHosts);
      const names = intersectAll(intersectAll(sni, vs.spec.hosts ?? []), serverHosts);
      if (names.length === 0) return;
      const proxy = tcpProxy(local, rule.route, { source: vs.source, namespace: vs.namespace, field: `spec.tls[${i}]`, servicePort: port }, statPrefix(s));
      if (proxy) chains.push({ name: `${s.ref}|${s.index}|${vs.source}|tls[${i}]`, filter_chain_match: { transport_protocol: 'tls', server_names: names }, filters: [proxy] });
    });
  }
  return chains;
}

/** TLS terminated, then TCP: the first applicable `tcp` rule of the bound VirtualServices whose hosts meet the server's. */
export function terminatedTcpFilters(ctx: RouteContext, s: GatewayServer): Obj[] | undefined {
  const port = s.server.port.number;
  const local: RouteContext = { ...ctx, gateways: [s.ref] };
  for (const vs of boundVirtualServices(ctx.index, s.ref, s.gateway.namespace)) {
    if (intersectAll(vs.spec.hosts ?? [], hostsFor(s, vs.namespace)).length === 0) continue;
    const rules = vs.spec.tcp ?? [];
    const i = rules.findIndex((r) => !r.match?.length || r.match.some((m) => applies(local, m, port, vs)));
    const rule = rules[i];
    if (!rule) continue;
    const proxy = tcpProxy(local, rule.route, { source: vs.source, namespace: vs.namespace, field: `spec.tcp[${i}]`, servicePort: port }, statPrefix(s));
    return proxy ? [proxy] : undefined;
  }
  return undefined;
}
