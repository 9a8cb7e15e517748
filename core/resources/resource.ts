import type { KindName } from './kinds.ts';

export interface ObjectMeta {
  name: string;
  namespace: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** Set by the store: the mesh revision at which this resource was last written. */
  resourceVersion?: string;
}

/** An Istio object as users write it; `spec` is typed per kind by the schemas in this folder. */
export interface IstioResource<Spec = Record<string, unknown>> {
  apiVersion: string;
  kind: KindName;
  metadata: ObjectMeta;
  spec: Spec;
}

/** An Istio object as the store returns it: normalised to `v1`, with its version. */
export interface StoredResource<Spec = Record<string, unknown>> extends IstioResource<Spec> {
  metadata: ObjectMeta & { resourceVersion: string };
}

export interface ResourceKey {
  kind: KindName;
  namespace: string;
  name: string;
}

export function keyOf(r: { kind: KindName; metadata: { namespace: string; name: string } }): ResourceKey {
  return { kind: r.kind, namespace: r.metadata.namespace, name: r.metadata.name };
}

/** A stable string form of a key, `Kind/namespace/name`, used for maps and sorting. */
export function keyString(k: ResourceKey): string {
  return `${k.kind}/${k.namespace}/${k.name}`;
}
