/** A Trellis cluster name read back: `outbound|<port>|<subset>|<host>` or `inbound|<port>||`. */
export type ClusterRef = { direction: 'outbound'; port: number; subset: string; host: string } | { direction: 'inbound'; port: number };

const OUTBOUND = /^outbound\|(\d{1,5})\|([^|]*)\|([^|]+)$/;
const INBOUND = /^inbound\|(\d{1,5})\|\|$/;

export function parseClusterName(name: string): ClusterRef | undefined {
  const out = OUTBOUND.exec(name);
  if (out) return { direction: 'outbound', port: Number(out[1]), subset: out[2]!, host: out[3]! };
  const inb = INBOUND.exec(name);
  return inb ? { direction: 'inbound', port: Number(inb[1]) } : undefined;
}

/** Istio's service name and namespace of a host: `<name>.<ns>.svc.<domain>` splits; any other host is its own name, namespace unknown. */
export function serviceNameAndNamespace(host: string): { name: string; namespace: string } {
  const m = /^([^.]+)\.([^.]+)\.svc(?:\.|$)/.exec(host);
  return m ? { name: m[1]!, namespace: m[2]! } : { name: host, namespace: 'unknown' };
}
