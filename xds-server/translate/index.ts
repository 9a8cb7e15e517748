// Translation with the mesh's EnvoyFilters applied to each proxy's result.
export { buildMeshIndex, inboundInputsKey, translateGateway, translateSidecar, translateSidecarInbound, translateSidecarShared } from './envoy-filter/index.ts';
export type { MeshIndexInput } from './mesh/build-mesh-index.ts';
export type { MeshIndex, MeshService, MeshSettings, ServiceEndpoint, ServicePort } from './mesh/mesh-model.ts';
export type { WorkloadInstance } from './workload-instance.ts';
export { inboundKey, proxyGroupKey, DEFAULT_INBOUND_LISTENER_PORT, DEFAULT_OUTBOUND_PORT, type ProxyDescriptor } from './proxy-descriptor.ts';
export { translateGrpcClient } from './translate-grpc-client.ts';
export type { GatewayCredential } from './gateway/index.ts';
export type { Named, TranslationIssue, TranslationResult } from './translation-result.ts';
export { OUTBOUND_HTTP_ROUTE_NAME, inboundClusterName, inboundListenerName, outboundClusterName, outboundListenerName, grpcListenerName } from './envoy/resource-names.ts';
