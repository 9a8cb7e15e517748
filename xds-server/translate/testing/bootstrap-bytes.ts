import protobuf from 'protobufjs';
import { CLUSTER_TYPE_URL, encodeResource, LISTENER_TYPE_URL, SECRET_TYPE_URL, writeBytesField } from '../../protos/index.ts';

// envoy.config.bootstrap.v3: Bootstrap.static_resources = 2; StaticResources.listeners = 1, clusters = 2, secrets = 3.
// bootstrap.proto is not among the served protos, so the bootstrap is spliced from encoded resources.
const BOOTSTRAP_STATIC_RESOURCES = 2;
const STATIC_LISTENERS = 1;
const STATIC_CLUSTERS = 2;
const STATIC_SECRETS = 3;

/** A binary Envoy bootstrap (`.pb`) holding these listeners, clusters and secrets as static resources. */
export function bootstrapBytes(listeners: Record<string, unknown>[], clusters: Record<string, unknown>[], secrets: Record<string, unknown>[] = []): Uint8Array {
  const statics = protobuf.Writer.create();
  for (const l of listeners) writeBytesField(statics, STATIC_LISTENERS, encodeResource(LISTENER_TYPE_URL, l));
  for (const c of clusters) writeBytesField(statics, STATIC_CLUSTERS, encodeResource(CLUSTER_TYPE_URL, c));
  for (const s of secrets) writeBytesField(statics, STATIC_SECRETS, encodeResource(SECRET_TYPE_URL, s));
  return writeBytesField(protobuf.Writer.create(), BOOTSTRAP_STATIC_RESOURCES, statics.finish()).finish();
}
