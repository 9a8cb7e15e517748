/** The effective-config views `trellis proxy-config` asks for. */
export const PROXY_CONFIG_TYPES = ['clusters', 'listeners', 'routes', 'endpoints', 'secrets'] as const;
export type ProxyConfigType = (typeof PROXY_CONFIG_TYPES)[number];

/** One resource a proxy is served: Envoy's object, or only metadata for secrets (never key material). */
export interface ProxyConfigEntry {
  name: string;
  /** Version of the resource the proxy's group is served now. */
  version?: string;
  /** Version last sent to, and acknowledged by, this proxy. */
  sent?: string;
  acked?: string;
  /** The Envoy resource (proto JSON); absent for secrets. */
  resource?: Record<string, unknown>;
  /** Secrets: where the proxy gets it and which clusters and listeners use it. */
  source?: string;
  usedBy?: string[];
}

export interface ProxyConfig {
  proxyId: string;
  /** Mesh revision whose config the proxy's group was last given. */
  revision?: number;
  types: Partial<Record<ProxyConfigType, ProxyConfigEntry[]>>;
}
