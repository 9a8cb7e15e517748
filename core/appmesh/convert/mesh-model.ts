import type { IstioResource } from '../../resources/index.ts';
import type { Located } from '../inventory.ts';
import type { VirtualNodeData } from '../schemas/index.ts';
import type { NodeListener } from '../schemas/virtual-node.ts';
import type { ConvertContext } from './context.ts';
import type { MeshIndex } from './mesh-index.ts';

/** A virtual node as the conversion sees it: its label, the workload labels it needs, and the ports services reach it on. */
export interface NodeInfo {
  name: string;
  label: string;
  source: string;
  node: Located<VirtualNodeData>;
  labels: Record<string, string>;
  /** Service port name → this node's listener port (a WorkloadEntry's `ports`). */
  ports: Record<string, number>;
}

/** One mesh being converted. */
export interface MeshScope {
  ctx: ConvertContext;
  index: MeshIndex;
  namespace: string;
  nodes: Map<string, NodeInfo>;
  /** DestinationRules by host, so later steps (client TLS) can add to them. */
  destinationRules: Map<string, IstioResource>;
  /** Virtual service name → its Istio host, service ports, and for a router provider the router's converted HTTP rules. */
  hosts: Map<string, ServiceTarget>;
}

export interface ServiceTarget {
  host: string;
  ports: number[];
  router?: { name: string; http: Record<string, unknown>[] };
}

export const sourceOf = (kind: string, mesh: string, ...names: string[]) => `${kind}/${[mesh, ...names].join('/')}`;

/** The listener of a node that serves a given port/protocol: the same port first, then the same protocol, then the first. */
export function listenerFor(node: VirtualNodeData, port: number | undefined, protocol: string | undefined): { listener: NodeListener; index: number } | undefined {
  const listeners = node.spec.listeners ?? [];
  let index = port !== undefined ? listeners.findIndex((l) => l.portMapping.port === port) : -1;
  if (index < 0 && protocol) index = listeners.findIndex((l) => l.portMapping.protocol === protocol);
  if (index < 0 && listeners.length > 0) index = 0;
  return index < 0 ? undefined : { listener: listeners[index]!, index };
}
