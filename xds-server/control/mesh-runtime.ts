import type { GatewayCredential, MeshIndex, ProxyDescriptor, TranslationResult } from '../translate/index.ts';
import type { IstioResource } from '../../core/resources/resource.ts';
import type { RegisteredWorkload } from '../../core/registry/index.ts';

/**
 * What a stream is served: its proxy group's shared config, layered (for sidecars with an
 * inbound side) with that proxy's inbound listener and cluster. Proxies with equal address and
 * app port share a scope too.
 */
export interface ScopeEntry {
  descriptor: ProxyDescriptor;
  /** The group scope this one is layered on; undefined when the scope is the group itself. */
  group: string | undefined;
  streams: number;
  /** Mesh revision of the config last published to this scope. */
  revision: number;
  /** `inboundInputsKey` of the index its inbound side was last translated from. */
  inboundInputs?: string;
  /** The shared base the cache layers this scope on now (see BaseEntry). */
  base?: string;
}

/** A proxy group: translated and encoded once for all its proxies. */
export interface GroupEntry {
  /** A member's descriptor (its inbound side is not read for the group's shared config). */
  descriptor: ProxyDescriptor;
  /** Scopes that use the group's config (layered on it, or the group scope itself). */
  members: number;
  /** For a group of layered scopes (sidecars with an inbound side): the base its scopes are layered on. */
  base?: string;
}

/**
 * A cache scope holding one shared translation, the base that the layered scopes of every group
 * translating to that very result are layered on. Groups differ by labels, but replicas of
 * different workloads mostly translate alike (labels reach the outbound side only through
 * Sidecars, sourceLabels matches, Telemetry and EnvoyFilters): a mesh of many workloads then has
 * one base, published and compared once per change instead of once per group.
 */
export interface BaseEntry {
  /** The translation it holds: the very object translation returned, so sharing is exact. */
  result: TranslationResult;
  /** The groups whose scopes are layered on it. */
  groups: Set<string>;
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
  groups: Map<string, GroupEntry>;
  /** Shared bases by cache scope name. */
  bases: Map<string, BaseEntry>;
  /** Uploaded gateway credentials by `namespace/name`, loaded with the mesh when it has Gateways. */
  credentials: ReadonlyMap<string, GatewayCredential>;
}

export const meshKey = (tenantId: string, mesh: string) => `${tenantId}/${mesh}`;
export const scopeKey = (tenantId: string, mesh: string, group: string) => `${tenantId}/${mesh}/${group}`;
