import type { CidrSelection, PortSelection } from './traffic-lists.ts';

/** What the init container redirects to Envoy (IPv4, TCP only). */
export interface RedirectConfig {
  /** Envoy and the agent run as this UID; their own traffic is never redirected (no loops). */
  proxyUid: number;
  /** Envoy's inbound listener (15006). */
  inboundPort: number;
  /** Envoy's outbound listener (15001). */
  outboundPort: number;
  /** Inbound destination ports sent to Envoy: `*` or a list. */
  includeInboundPorts: PortSelection;
  excludeInboundPorts: readonly number[];
  /** Outbound destinations sent to Envoy: `*` or IPv4 CIDRs. */
  includeOutboundIpRanges: CidrSelection;
  excludeOutboundIpRanges: readonly string[];
  excludeOutboundPorts: readonly number[];
}

export const DEFAULT_PROXY_UID = 1337;

/** Ports of the proxy itself, never redirected inbound when every port is. */
export const PROXY_OWN_PORTS = [15000, 15001, 15006, 15020, 15021, 15090] as const;

const IN = 'TRELLIS_INBOUND';
const IN_REDIRECT = 'TRELLIS_IN_REDIRECT';
const OUT = 'TRELLIS_OUTPUT';
const OUT_REDIRECT = 'TRELLIS_REDIRECT';

function inboundRules(c: RedirectConfig): string[] {
  if (c.includeInboundPorts === '*') {
    const skip = [...new Set([...PROXY_OWN_PORTS, ...c.excludeInboundPorts])].sort((a, b) => a - b);
    return [...skip.map((p) => `-A ${IN} -p tcp --dport ${p} -j RETURN`), `-A ${IN} -p tcp -j ${IN_REDIRECT}`];
  }
  return c.includeInboundPorts.filter((p) => !c.excludeInboundPorts.includes(p)).map((p) => `-A ${IN} -p tcp --dport ${p} -j ${IN_REDIRECT}`);
}

function outboundRules(c: RedirectConfig): string[] {
  return [
    `-A ${OUT} -m owner --uid-owner ${c.proxyUid} -j RETURN`,
    // The app talking to itself or to Envoy's own listeners stays on loopback.
    `-A ${OUT} -d 127.0.0.1/32 -j RETURN`,
    ...c.excludeOutboundPorts.map((p) => `-A ${OUT} -p tcp --dport ${p} -j RETURN`),
    ...c.excludeOutboundIpRanges.map((cidr) => `-A ${OUT} -d ${cidr} -j RETURN`),
    ...(c.includeOutboundIpRanges === '*' ? [`-A ${OUT} -j ${OUT_REDIRECT}`] : c.includeOutboundIpRanges.map((cidr) => `-A ${OUT} -d ${cidr} -j ${OUT_REDIRECT}`)),
  ];
}

/**
 * The `nat` table for `iptables-restore` (without --noflush: the whole table is replaced, so
 * running the init container again yields the same rules, never duplicates).
 */
export function redirectRules(c: RedirectConfig): string {
  return [
    '*nat',
    ':PREROUTING ACCEPT [0:0]',
    ':INPUT ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':POSTROUTING ACCEPT [0:0]',
    `:${IN} - [0:0]`,
    `:${IN_REDIRECT} - [0:0]`,
    `:${OUT} - [0:0]`,
    `:${OUT_REDIRECT} - [0:0]`,
    `-A ${IN_REDIRECT} -p tcp -j REDIRECT --to-ports ${c.inboundPort}`,
    `-A ${OUT_REDIRECT} -p tcp -j REDIRECT --to-ports ${c.outboundPort}`,
    `-A PREROUTING -p tcp -j ${IN}`,
    `-A OUTPUT -p tcp -j ${OUT}`,
    ...inboundRules(c),
    ...outboundRules(c),
    'COMMIT',
    '',
  ].join('\n');
}
