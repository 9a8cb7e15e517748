export { envoyRoot, findMessageType, messageTypeForUrl } from './envoy-root.ts';
export { encodeResource, decodeResource, resourceNameOf, type ResourceObject } from './encode-resource.ts';
export { ResourceEncodeError } from './resource-encode-error.ts';
export { checkObject } from './check-object.ts';
export { encodeAny, fieldNumber, writeBytesField, writeStringField } from './wire-format.ts';
export { adsPackageDefinition } from './ads-package.ts';
export { protoIncludeDirs } from './include-dirs.ts';
export {
  RESOURCE_TYPES,
  PUSH_ORDER,
  REMOVAL_ORDER,
  isXdsTypeUrl,
  resourceTypeInfo,
  type XdsTypeUrl,
  type ResourceTypeInfo,
} from './type-urls.ts';
export { LISTENER_TYPE_URL, type ListenerTypeUrl } from './types/listener.ts';
export { ROUTE_TYPE_URL, type RouteTypeUrl } from './types/route.ts';
export { VIRTUAL_HOST_TYPE_URL, type VirtualHostTypeUrl } from './types/virtual-host.ts';
export { CLUSTER_TYPE_URL, type ClusterTypeUrl } from './types/cluster.ts';
export { ENDPOINT_TYPE_URL, type EndpointTypeUrl } from './types/endpoint.ts';
export { SECRET_TYPE_URL, type SecretTypeUrl } from './types/secret.ts';
