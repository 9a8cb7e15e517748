import { protoDuration } from '../envoy/duration.ts';
import { TCP_PROXY_FILTER_NAME, TCP_PROXY_TYPE, TLS_INSPECTOR_NAME, TLS_INSPECTOR_TYPE } from '../envoy/traffic-extension-types.ts';
import { labelsMatch } from '../mesh/labels-match.ts';
import type { MeshService, VirtualServiceEntry } from '../mesh/mesh-model.ts';
import { effectivePolicy } from '../mesh/effective-policy.ts';
import { isHttpPort } from '../mesh/port-protocol.ts';
import { destinationRuleFor, virtualServicesFor } from '../mesh/proxy-view.ts';
import type { RouteContext } from '../routes/route-context.ts';
import { destinationCluster, type DestinationOrigin } from '../routes/route-destinations.ts';
import type { Named } from '../translation-result.ts';
import { destinationAddressMatch, matchKey } from './destination-addresses.ts';

type L4Route = NonNullable<VirtualServiceEntry['spec']['tcp']>[number];
type L4Match = { port?: number; sourceLabels?: Record<string, string>; sourceNamespace?: string; gateways?: string[] };

// Protocols whose clients send SNI, so several services can share one port by server name.
const TLS_PROTOCOLS = new Set(['TLS', 'HTTPS']);

/** Where a port listener sits: bound on loopback (local mode), or unbound on 0.0.0.0 for the original-destination handoff (REDIRECT). */
export interface ListenerPlacement {
  address: string;
  bindToPort: boolean;
}

const LOCAL_PLACEMENT: ListenerPlacement = { address: '127.0.0.1', bindToPort: true };

export const tcpListenerName = (port: number) => `outbound|${port}|tcp`;

/** Istio's L4 conditions that translation can decide for this proxy (subnets are refused at apply time). */
function applies(ctx: RouteContext, m: L4Match, port: number): boolean {
  if (m.port !== undefined && m.port !== port) return false;
  if (m.sourceNamespace !== undefined && m.sourceNamespace !== ctx.namespace) return false;
  if (m.gateways && m.gateways.length > 0 && !m.gateways.includes('mesh')) return false;
  return labelsMatch(m.sourceLabels, ctx.labels);
}

/** A tcp_proxy to the route's destinations (weighted when several); undefined when none is usable. */
export function tcpProxy(ctx: RouteContext, route: L4Route['route'], origin: DestinationOrigin, statPrefix: string): Record<string, unknown> | undefined {
  const clusters: { name: string; weight: number }[] = [];
  const idleTimeouts: { seconds: number; nanos: number }[] = [];
  (route ?? []).forEach((d, i) => {
    const found = destinationCluster(ctx, d.destination, origin);
    if ('problem' in found) {
      ctx.issues.push({ resource: origin.source, field: `${origin.field}.route[${i}].destination`, message: `${found.problem}; destination dropped` });
      return;
    }
    const weight = d.weight ?? ((route ?? []).length === 1 ? 100 : 0);
    if (weight <= 0) return;
    clusters.push({ name: found.cluster, weight });
    const idle = effectivePolicy(destinationRuleFor(ctx.index, found.host, ctx.namespace), found.subset, found.port)?.connectionPool?.tcp?.idleTimeout;
    const duration = idle === undefined ? undefined : protoDuration(idle);
    if (duration) idleTimeouts.push(duration);
  });
  if (clusters.length === 0) return undefined;
  const target = clusters.length === 1 ? { cluster: clusters[0]!.name } : { weighted_clusters: { clusters } };
  // DestinationRule tcp.idleTimeout (no bytes either way for that long closes both sides); among several destinations the shortest.
  const idle = idleTimeouts.sort((a, b) => a.seconds - b.seconds || a.nanos - b.nanos)[0];
  return { name: TCP_PROXY_FILTER_NAME, typed_config: { '@type': TCP_PROXY_TYPE, stat_prefix: statPrefix, ...target, ...(idle ? { idle_timeout: idle } : {}) } };
}

/** Filter chains for one service on one port: SNI chains from `tls` rules, and a plain chain from the first applicable `tcp` rule. */
function serviceChains(ctx: RouteContext, service: MeshService, port: number, tlsPort: boolean): { sni: Record<string, unknown>[]; plain: Record<string, unknown> | undefined } {
  const vs = virtualServicesFor(ctx.index, service.host, ctx.namespace)[0];
  const stat = `outbound|${port}||${service.host}`;
  const sni: Record<string, unknown>[] = [];
  vs?.spec.tls?.forEach((rule, i) => {
    const origin = { source: vs.source, namespace: vs.namespace, field: `spec.tls[${i}]`, servicePort: port };
    const names = rule.match.filter((m) => applies(ctx, m, port)).flatMap((m) => m.sniHosts);
    const proxy = names.length > 0 ? tcpProxy(ctx, rule.route, origin, stat) : undefined;
    if (proxy) sni.push({ filter_chain_match: { server_names: [...new Set(names)], transport_protocol: 'tls' }, filters: [proxy] });
  });
  const rules = vs?.spec.tcp ?? [];
  const index = rules.findIndex((r) => !r.match?.length || r.match.some((m) => applies(ctx, m, port)));
  const rule = rules[index];
  const direct = [{ destination: { host: service.host, port: { number: port } } }];
  if (rule && vs) {
    const proxy = tcpProxy(ctx, rule.route, { source: vs.source, namespace: vs.namespace, field: `spec.tcp[${index}]`, servicePort: port }, stat);
    return { sni, plain: proxy ? { filters: [proxy] } : undefined };
  }
  if (tlsPort && sni.length > 0) return { sni, plain: undefined };
  const proxy = tcpProxy(ctx, direct, { source: service.source, namespace: service.namespace, field: 'spec', servicePort: port }, stat);
  if (!proxy) return { sni, plain: undefined };
  // A TLS service without routing rules is reached by its own name, as Istio does.
  if (tlsPort) return { sni: [{ filter_chain_match: { server_names: [service.host], transport_protocol: 'tls' }, filters: [proxy] }], plain: undefined };
  return { sni, plain: { filters: [proxy] } };
}

/**
 * Local mode for TCP and TLS services: without traffic redirection an app reaches a TCP service
 * port at 127.0.0.1:<service port>. One listener per port; TLS services share it by SNI
 * (tls_inspector), one plain TCP service owns it (the first by host; the others are reported).
 */
export function tcpOutboundListeners(ctx: RouteContext, services: readonly MeshService[], reservedPorts: ReadonlySet<number>, placement: ListenerPlacement = LOCAL_PLACEMENT): Named[] {
  // Only the original-destination handoff (REDIRECT) can serve wildcard hosts and addresses: loopback listeners see neither.
  const handoff = !placement.bindToPort;
  const byPort = new Map<number, { service: MeshService; tls: boolean }[]>();
  for (const service of services) {
    if (service.host.includes('*') && !handoff) continue;
    for (const p of service.ports) {
      if (isHttpPort(p) || !(ctx.inScope?.(service.host, p.number) ?? true)) continue;
      const list = byPort.get(p.number) ?? [];
      list.push({ service, tls: TLS_PROTOCOLS.has(p.protocol ?? '') });
      byPort.set(p.number, list);
    }
  }
  const listeners: Named[] = [];
  for (const [port, members] of [...byPort.entries()].sort(([a], [b]) => a - b)) {
    if (reservedPorts.has(port)) {
      for (const m of members) ctx.issues.push({ resource: m.service.source, field: 'spec.ports', message: `port ${port} is this proxy's own listener port; no TCP listener` });
      continue;
    }
    const chains: Record<string, unknown>[] = [];
    const matches = new Map<string, string>();
    let plainOwner: string | undefined;
    for (const { service, tls } of members) {
      const built = serviceChains(ctx, service, port, tls);
      const addresses = handoff ? destinationAddressMatch(service) : undefined;
      if (addresses) {
        for (const chain of [...built.sni, ...(built.plain ? [built.plain] : [])]) {
          const match = { ...addresses, ...(chain['filter_chain_match'] as Record<string, unknown> | undefined) };
          const owner = matches.get(matchKey(match));
          if (owner) ctx.issues.push({ resource: service.source, field: 'spec.addresses', message: `${service.host}: port ${port} at these addresses is already ${owner}'s; no chain` });
          else {
            matches.set(matchKey(match), service.host);
            chains.push({ ...chain, filter_chain_match: match });
          }
        }
        continue;
      }
      chains.push(...built.sni);
      if (!built.plain) continue;
      if (plainOwner) {
        ctx.issues.push({ resource: service.source, field: 'spec.ports', message: `${placement.address}:${port} already carries plain TCP for ${plainOwner}; ${service.host} is reachable on it only by SNI` });
        continue;
      }
      plainOwner = service.host;
      chains.push(built.plain);
    }
    if (chains.length === 0) continue;
    const name = tcpListenerName(port);
    const usesSni = chains.some((c) => (c['filter_chain_match'] as { server_names?: unknown } | undefined)?.server_names !== undefined);
    listeners.push({
      name,
      resource: {
        name,
        address: { socket_address: { address: placement.address, port_value: port } },
        ...(placement.bindToPort ? {} : { bind_to_port: { value: false } }),
        ...(usesSni ? { listener_filters: [{ name: TLS_INSPECTOR_NAME, typed_config: { '@type': TLS_INSPECTOR_TYPE } }] } : {}),
        filter_chains: chains,
      },
    });
  }
  return listeners;
}

