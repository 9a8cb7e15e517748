// The node of a sidecar started by `trellis-agent run`: the same metadata schema, defaults and
// bootstrap code, so simulated clients and real Envoys claim exactly what a deployed sidecar does.
import { NodeMetadataSchema, type NodeMetadata } from '../core/proxies/node-metadata.ts';
import type { Type } from 'protobufjs';
import { envoyBootstrap } from '../sidecar/bootstrap/envoy-bootstrap.ts';
import { findMessageType } from '../xds-server/protos/index.ts';

export const MESHES = 10;
export const SERVICES = 50;
export const NAMESPACE = 'bench';
/** Where every simulated workload's app listens (127.0.0.1), as `--port`. */
export const APP_PORT = 8080;

/** The i-th sidecar: mesh i mod `meshes`, workload `svc-k` of service k, version v1/v2 alternating. */
export interface SidecarShape {
  mesh: string;
  service: number;
  version: 'v1' | 'v2';
  address: string;
}

export function sidecarShape(i: number, meshes: number): SidecarShape {
  const k = Math.floor(i / meshes);
  return { mesh: `mesh-${i % meshes}`, service: k % SERVICES, version: Math.floor(k / SERVICES) % 2 ? 'v2' : 'v1', address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` };
}

/**
 * Node metadata as run-agent.ts builds it from `--mesh --namespace --service-account --workload
 * --address --port --label app=… --label version=…` with the default inbound and outbound ports.
 */
export function agentMetadata(s: SidecarShape, ports: { inbound?: number; outbound?: number } = {}): NodeMetadata {
  const workload = `svc-${s.service}`;
  return NodeMetadataSchema.parse({
    TRELLIS_TENANT: 'default',
    TRELLIS_MESH: s.mesh,
    TRELLIS_PROXY_KIND: 'sidecar',
    NAMESPACE,
    SERVICE_ACCOUNT: workload,
    WORKLOAD_NAME: workload,
    LABELS: { app: workload, version: s.version },
    INSTANCE_IP: s.address,
    APP_PORT,
    INBOUND_PORT: ports.inbound ?? 15006,
    OUTBOUND_PORT: ports.outbound ?? 15001,
  });
}

export interface BootstrapNode {
  id: string;
  cluster: string;
  metadata: Record<string, unknown>;
}

/** The `node` of the bootstrap the agent writes (it always passes its SDS socket, so `SDS: true`). */
export function agentNode(metadata: NodeMetadata): BootstrapNode {
  const bootstrap = envoyBootstrap({ metadata, xdsAddress: { host: '127.0.0.1', port: 18000 }, adminPort: 15000, protocol: 'delta', sdsSocketPath: 'sds.sock' });
  return bootstrap.node as BootstrapNode;
}

/** JSON → google.protobuf.Struct as protobufjs encodes it (its bundled Struct has camelCase fields). */
function toValue(v: unknown): Record<string, unknown> {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'number') return { numberValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (Array.isArray(v)) return { listValue: { values: v.map(toValue) } };
  return { structValue: toStruct(v as Record<string, unknown>) };
}
export function toStruct(o: Record<string, unknown>): Record<string, unknown> {
  return { fields: Object.fromEntries(Object.entries(o).map(([k, v]) => [k, toValue(v)])) };
}

/** The bootstrap's part of the envoy.config.core.v3.Node (Envoy adds its user agent and extensions: fanout-envoy-node.ts). */
export function nodeMessage(node: BootstrapNode): Record<string, unknown> {
  return { id: node.id, cluster: node.cluster, metadata: toStruct(node.metadata) };
}

let nodeType: Type | undefined;

/** Node fields in protobufjs object form → bytes; encoded parts concatenate into one Node. */
export function encodeNode(fields: Record<string, unknown>): Uint8Array {
  nodeType ??= findMessageType('envoy.config.core.v3.Node');
  if (!nodeType) throw new Error('envoy.config.core.v3.Node is not in the loaded protos');
  return nodeType.encode(nodeType.fromObject(fields)).finish();
}
