import type { IstioResource } from '../resources/resource.ts';
import type { XdsTypeName } from './proxy-status.ts';

/** One Envoy resource a change would add, change or remove for a group of proxies. */
export interface ResourceChange {
  type: XdsTypeName;
  name: string;
  action: 'added' | 'changed' | 'removed';
  /** For `changed`: one line per differing field, `- path: old` / `+ path: new`. */
  diff?: string[];
}

/** Proxies that get identical config, and what the change does to it. */
export interface ProxyGroupPreview {
  /** What identifies the group (kind, namespace, labels, ports). */
  group: string;
  kind: string;
  namespace: string;
  /** Connected proxies in the group. */
  proxies: number;
  changes: ResourceChange[];
}

export interface ConfigPreview {
  /** Connected proxies whose config would change. */
  proxiesAffected: number;
  groups: ProxyGroupPreview[];
}

/**
 * Translates the mesh as it would be after a change for every connected proxy group and diffs it
 * with what those proxies are served now: the exact Envoy resources a change adds, changes or
 * removes. Available where the xDS translation runs in process (local mode).
 */
export interface ConfigPreviewer {
  preview(tenantId: string, mesh: string, after: readonly IstioResource[]): Promise<ConfigPreview>;
}
