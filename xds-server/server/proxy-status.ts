import type { XdsTypeUrl } from '../protos/index.ts';
import type { StreamProtocol } from './server-options.ts';

export interface NackRecord {
  message: string;
  code: number;
  /** The version the proxy refused. */
  version: string;
  nonce: string;
  at: string;
}

export interface TypeStatus {
  typeUrl: XdsTypeUrl;
  versionSent: string;
  versionAcked: string;
  lastNonce: string;
  lastNack?: NackRecord;
  wildcard: boolean;
  subscribed: string[];
  /** Per resource: the version sent and the version the proxy acknowledged. */
  resources: Record<string, { sent: string; acked?: string }>;
}

export interface ProxyStatus {
  streamId: string;
  proxyId: string;
  scope: string;
  protocol: StreamProtocol;
  peer: string;
  connectedSince: string;
  types: TypeStatus[];
}
