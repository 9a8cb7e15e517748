/** What translation needs to know about one connected proxy. */
export interface ProxyDescriptor {
  kind: 'sidecar' | 'grpc' | 'gateway';
  namespace: string;
  serviceAccount: string;
  workload: string;
  labels: Record<string, string>;
  inbound:
    | {
        /** The app's port on 127.0.0.1. */
        port: number;
        /** Envoy's inbound listener port; default 15006. */
        listenerPort?: number;
        bindAddress: string;
      }
    | undefined;
  /** The local-mode outbound HTTP listener port on 127.0.0.1; default 15001. */
  outboundPort?: number;
  /** REDIRECT: the app's traffic is redirected to 15001/15006 (iptables, ECS); absent is local mode (NONE). */
  interceptionMode?: 'NONE' | 'REDIRECT';
  /** Envoy has the workload certificate over SDS (bootstrap cluster `sds-grpc`): mTLS in and out. */
  sds?: boolean;
  /** `region/zone/subzone` the proxy runs in; locality load balancing (failover, distribution) needs it. */
  locality?: string;
  /** Gateways only: where Gateway server ports listen (see core/proxies/node-metadata.ts). */
  gateway?: GatewayListening;
}

/** How a gateway proxy maps Gateway server ports onto local sockets. */
export interface GatewayListening {
  /** Default 0.0.0.0. */
  bindAddress?: string;
  portOffset?: number;
  /** Server port → listen port; wins over the offset. */
  ports?: Readonly<Record<string, number>>;
}

export const DEFAULT_INBOUND_LISTENER_PORT = 15006;
export const DEFAULT_OUTBOUND_PORT = 15001;

function sortedLabels(labels: Record<string, string>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
}

/**
 * A proxy group: proxies with equal keys share one translation of everything but their inbound
 * side (see `inboundKey`). Only inputs translation reads are part of it (the workload name, the
 * service account, the address and the app port are not); tenant and mesh are the caller's to prefix.
 */
export function proxyGroupKey(p: ProxyDescriptor): string {
  const parts = [p.kind, `ns=${p.namespace}`, `labels=${sortedLabels(p.labels)}`];
  // Load assignments depend on the proxy's locality. Only added when set, so other keys stay as they were.
  if (p.locality) parts.push(`loc=${p.locality}`);
  if (p.kind === 'sidecar') {
    // The inbound listener port is reserved on the outbound side: it is shared, the app port is not.
    if (p.inbound) parts.push(`in=${p.inbound.listenerPort ?? DEFAULT_INBOUND_LISTENER_PORT}`);
    parts.push(`out=${p.outboundPort ?? DEFAULT_OUTBOUND_PORT}`);
    if (p.sds) parts.push('sds');
    // Only REDIRECT is added, so local-mode keys (and caches built on them) stay as they were.
    if (p.interceptionMode === 'REDIRECT') parts.push('redirect');
  }
  if (p.kind === 'gateway') {
    const g = p.gateway ?? {};
    const ports = Object.keys(g.ports ?? {}).sort().map((k) => `${k}>${g.ports?.[k]}`).join(',');
    parts.push(`gw=${g.bindAddress ?? ''}+${g.portOffset ?? 0}[${ports}]`);
    if (p.sds) parts.push('sds');
  }
  return parts.join('|');
}

/** What only this proxy's inbound side depends on (its address and app port); undefined without one. */
export function inboundKey(p: ProxyDescriptor): string | undefined {
  return p.kind === 'sidecar' && p.inbound ? `${p.inbound.bindAddress}>${p.inbound.port}` : undefined;
}
