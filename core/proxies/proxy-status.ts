import type { IstioResource } from '../resources/resource.ts';
import type { ConfigPreview } from './config-preview.ts';
import type { ProxyConfig, ProxyConfigType } from './proxy-config.ts';

/** Short names of the xDS types Trellis serves. */
export type XdsTypeName = 'cds' | 'eds' | 'lds' | 'rds' | 'sds';

export interface NackRecord {
  /** The version the proxy rejected. */
  version: string;
  message: string;
  at: string;
}

export interface XdsTypeStatus {
  /** Last version sent on the stream. */
  sent?: string;
  /** Last version the proxy accepted. */
  acked?: string;
  lastNack?: NackRecord;
  /** SYNCED: acked == sent; STALE: waiting for an answer; NACKED: last answer was a rejection. */
  state: 'SYNCED' | 'STALE' | 'NACKED';
}

export interface ProxyStatus {
  proxyId: string;
  tenantId: string;
  mesh: string;
  namespace?: string;
  serviceAccount?: string;
  workload?: string;
  address?: string;
  /** `sotw` or `delta`. */
  protocol: 'sotw' | 'delta';
  /** The xds-server replica holding the proxy's stream (`local` in local mode). */
  replica?: string;
  connectedAt: string;
  /** Mesh revision whose config the proxy was last sent. */
  revision?: number;
  /** The client certificate the proxy connected with (mTLS only): who it is and when that runs out. */
  certificate?: { spiffeId: string; serialNumber: string; notAfter: string };
  types: Partial<Record<XdsTypeName, XdsTypeStatus>>;
  /**
   * Whether the proxy is an endpoint (in the workload registry): `registered` with its group, or
   * `refused` with the reason (an identity that does not match its WorkloadGroup, a missing group).
   * Absent for proxies that never register (gateways, proxyless clients, no inbound port).
   */
  registration?: { state: 'registered' | 'refused'; group?: string; reason?: string };
}

/** Where the API reads proxy status from: the in-process xDS server locally, a shared table in AWS. */
export interface ProxyStatusSource {
  list(tenantId: string, mesh: string): Promise<ProxyStatus[]>;
  /** What one connected proxy is served (only where the xDS cache is in process); undefined when it is not connected. */
  config?(tenantId: string, mesh: string, proxyId: string, types: readonly ProxyConfigType[]): Promise<ProxyConfig | undefined>;
  /** What the mesh as `after` would change for every connected proxy group (real translation, nothing applied). */
  preview?(tenantId: string, mesh: string, after: readonly IstioResource[]): Promise<ConfigPreview>;
}
