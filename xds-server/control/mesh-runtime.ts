import type { GatewayCredential, MeshIndex, ProxyDescriptor } from '../translate/index.ts';
import type { IstioResource } from '../../core/resources/resource.ts';
import type { RegisteredWorkload } from '../../core/registry/index.ts';

/** A group of connected proxies that get identical config, and how many streams use it. */
export interface ScopeEntry {
  descriptor: ProxyDescriptor;
  streams: number;
  /** Mesh revision of the config last published to this scope. */
  revision: number;
}

/** What one xDS replica holds for one mesh that has proxies connected to it. */
export interface MeshRuntime {
  tenantId: string;
  mesh: string;
  revision: number;
  settingsVersion: string;
  resources: readonly IstioResource[];
  /** The mesh's registered workloads (every replica's), as the index was built from them. */
  workloads: readonly RegisteredWorkload[];
  index: MeshIndex;
  scopes: Map<string, ScopeEntry>;
  /** Uploaded gateway credentials by `namespace/name`, loaded with the mesh when it has Gateways. */
  credentials: ReadonlyMap<string, GatewayCredential>;
}

export const meshKey = (tenantId: string, mesh: string) => `${tenantId}/${mesh}`;
export const scopeKey = (tenantId: string, mesh: string, group: string) => `${tenantId}/${mesh}/${group}`;
