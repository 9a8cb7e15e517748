import { gatewayRef } from '../mesh/gateway-names.ts';
import { labelsMatch } from '../mesh/labels-match.ts';
import type { GatewayEntry, MeshIndex, VirtualServiceEntry } from '../mesh/mesh-model.ts';
import { visibleTo } from '../mesh/visibility.ts';
import type { ProxyDescriptor } from '../proxy-descriptor.ts';

type Server = NonNullable<GatewayEntry['spec']['servers']>[number];

/** One Gateway server as a gateway proxy serves it. */
export interface GatewayServer {
  gateway: GatewayEntry;
  /** `namespace/name` of the Gateway, as VirtualServices bind to it. */
  ref: string;
  /** Position in `spec.servers`, for issue paths. */
  index: number;
  server: Server;
  /** The server's hosts as `namespace` (`*` for any) and host. */
  hosts: readonly { namespace: string; host: string }[];
}

/**
 * Gateways whose selector matches the proxy's labels, in any namespace (Istio's default,
 * PILOT_SCOPE_GATEWAY_TO_NAMESPACE=false); a Gateway without a selector selects every gateway proxy, as in Istio.
 */
export function selectedGateways(index: MeshIndex, proxy: ProxyDescriptor): GatewayEntry[] {
  return index.gateways.filter((g) => labelsMatch(g.spec.selector, proxy.labels));
}

/** `ns/host` → {ns, host}; `.` is the Gateway's namespace; a bare host is in any namespace. */
function serverHost(value: string, gatewayNamespace: string): { namespace: string; host: string } {
  const slash = value.indexOf('/');
  if (slash < 0) return { namespace: '*', host: value };
  const namespace = value.slice(0, slash);
  return { namespace: namespace === '.' ? gatewayNamespace : namespace, host: value.slice(slash + 1) };
}

/** Every server of the selected Gateways, in Gateway then server order. */
export function gatewayServers(gateways: readonly GatewayEntry[]): GatewayServer[] {
  return gateways.flatMap((gateway) =>
    (gateway.spec.servers ?? []).map((server, i) => ({
      gateway,
      ref: `${gateway.namespace}/${gateway.name}`,
      index: i,
      server,
      hosts: server.hosts.map((h) => serverHost(h, gateway.namespace)),
    })),
  );
}

/** VirtualServices bound to the Gateway `ref` and exported to its namespace, in source order. */
export function boundVirtualServices(index: MeshIndex, ref: string, gatewayNamespace: string): VirtualServiceEntry[] {
  return index.gatewayVirtualServices.filter((vs) => visibleTo(vs.spec.exportTo, vs.namespace, gatewayNamespace) && (vs.spec.gateways ?? []).some((g) => gatewayRef(g, vs.namespace) === ref));
}

/** The server hosts a VirtualService of `vsNamespace` may attach to. */
export function hostsFor(server: GatewayServer, vsNamespace: string): string[] {
  return server.hosts.filter((h) => h.namespace === '*' || h.namespace === vsNamespace).map((h) => h.host);
}
