/** Requests as the server reads them (protobufjs object form of envoy.service.discovery.v3). */

/** google.rpc.Status carried by a NACK. */
export interface RpcStatus {
  code?: number;
  message?: string;
}

/** envoy.config.core.v3.Node as decoded; `metadata` is a google.protobuf.Struct in object form. */
export type NodeMessage = Record<string, unknown> & { id?: string; cluster?: string; metadata?: Record<string, unknown> };

export interface SotwRequest {
  version_info: string;
  node?: NodeMessage | null;
  resource_names: string[];
  type_url: string;
  response_nonce: string;
  error_detail?: RpcStatus | null;
}

export interface DeltaRequest {
  node?: NodeMessage | null;
  type_url: string;
  resource_names_subscribe: string[];
  resource_names_unsubscribe: string[];
  initial_resource_versions: Record<string, string>;
  response_nonce: string;
  error_detail?: RpcStatus | null;
}
