import { NodeMetadataSchema, type NodeMetadata } from '../../core/proxies/node-metadata.ts';
import type { Result } from '../../core/result.ts';
import type { ProxyDescriptor } from '../translate/index.ts';
import type { XdsNode } from '../server/index.ts';

/** Who a connecting proxy is and what it is served, derived from its node. */
export interface ConnectingProxy {
  tenantId: string;
  mesh: string;
  descriptor: ProxyDescriptor;
  metadata: NodeMetadata;
  /** The workload's address, when it can be registered as an endpoint. */
  address?: string;
  /** The verified client certificate, with mTLS. */
  certificate?: { spiffeId: string; serialNumber: string; notAfter: string };
}

/** Where a gateway's server ports listen, from its metadata (local mode binds loopback and shifts ports). */
function gatewayListening(m: NodeMetadata): NonNullable<ProxyDescriptor['gateway']> {
  return {
    ...(m.GATEWAY_BIND_ADDRESS ? { bindAddress: m.GATEWAY_BIND_ADDRESS } : {}),
    ...(m.GATEWAY_PORT_OFFSET !== undefined ? { portOffset: m.GATEWAY_PORT_OFFSET } : {}),
    ...(m.GATEWAY_PORTS ? { ports: m.GATEWAY_PORTS } : {}),
  };
}

/**
 * Reads `node.metadata` (see core/proxies/node-metadata.ts). grpc-js clients that say nothing
 * about their kind are proxyless gRPC clients.
 */
export function describeNode(node: XdsNode): Result<ConnectingProxy> {
  const metadata: Record<string, unknown> = { ...node.metadata };
  if (metadata.TRELLIS_PROXY_KIND === undefined && /grpc-node/i.test(node.userAgent)) metadata.TRELLIS_PROXY_KIND = 'grpc';
  const parsed = NodeMetadataSchema.safeParse(metadata);
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.map((i) => ({ path: `node.metadata.${i.path.join('.')}`, message: i.message })),
    };
  }
  const m = parsed.data;
  const inbound =
    m.TRELLIS_PROXY_KIND === 'sidecar' && m.APP_PORT !== undefined
      ? { port: m.APP_PORT, bindAddress: m.INSTANCE_IP ?? '127.0.0.1', ...(m.INBOUND_PORT !== undefined ? { listenerPort: m.INBOUND_PORT } : {}) }
      : undefined;
  const descriptor: ProxyDescriptor = {
    kind: m.TRELLIS_PROXY_KIND,
    namespace: m.NAMESPACE,
    serviceAccount: m.SERVICE_ACCOUNT,
    workload: m.WORKLOAD_NAME,
    labels: m.LABELS,
    inbound,
    ...(m.OUTBOUND_PORT !== undefined ? { outboundPort: m.OUTBOUND_PORT } : {}),
    ...(m.SDS ? { sds: true } : {}),
    ...(m.LOCALITY ? { locality: m.LOCALITY } : {}),
    ...(m.TRELLIS_PROXY_KIND === 'sidecar' && m.INTERCEPTION_MODE === 'REDIRECT' ? { interceptionMode: 'REDIRECT' as const } : {}),
    ...(m.TRELLIS_PROXY_KIND === 'gateway' ? { gateway: gatewayListening(m) } : {}),
  };
  return { ok: true, value: { tenantId: m.TRELLIS_TENANT, mesh: m.TRELLIS_MESH, descriptor, metadata: m, ...(m.INSTANCE_IP ? { address: m.INSTANCE_IP } : {}) } };
}
