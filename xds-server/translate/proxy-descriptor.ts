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
  /** Envoy has the workload certificate over SDS (bootstrap cluster `sds-grpc`): mTLS in and out. */
  sds?: boolean;
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
 * A cache scope: proxies with equal keys get identical config. Only inputs translation reads
 * are part of it (the workload name and service account are not); tenant and mesh are the
 * caller's to prefix.
 */
export function proxyGroupKey(p: ProxyDescriptor): string {
  const parts = [p.kind, `ns=${p.namespace}`, `labels=${sortedLabels(p.labels)}`];
  if (p.kind === 'sidecar') {
    if (p.inbound) {
      parts.push(`in=${p.inbound.bindAddress}:${p.inbound.listenerPort ?? DEFAULT_INBOUND_LISTENER_PORT}>${p.inbound.port}`);
    }
    parts.push(`out=${p.outboundPort ?? DEFAULT_OUTBOUND_PORT}`);
    if (p.sds) parts.push('sds');
  }
  if (p.kind === 'gateway') {
    const g = p.gateway ?? {};
    const ports = Object.keys(g.ports ?? {}).sort().map((k) => `${k}>${g.ports?.[k]}`).join(',');
    parts.push(`gw=${g.bindAddress ?? ''}+${g.portOffset ?? 0}[${ports}]`);
    if (p.sds) parts.push('sds');
  }
  return parts.join('|');
}
