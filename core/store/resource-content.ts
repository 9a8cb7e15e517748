import { isKindName, storedApiVersion } from '../resources/kinds.ts';
import type { IstioResource, ObjectMeta, StoredResource } from '../resources/resource.ts';

/** JSON with object keys sorted at every level, so equal content has equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}

/**
 * The part of a resource that a store compares to detect no-op puts: apiVersion, kind,
 * metadata (name, namespace, labels, annotations) and spec. resourceVersion is excluded.
 */
export function contentOf(resource: IstioResource): string {
  const { name, namespace, labels, annotations } = resource.metadata;
  return canonicalJson({
    apiVersion: resource.apiVersion,
    kind: resource.kind,
    metadata: { name, namespace, labels, annotations },
    spec: resource.spec,
  });
}

export function sameContent(a: IstioResource, b: IstioResource): boolean {
  return contentOf(a) === contentOf(b);
}

/**
 * The form a store keeps: apiVersion normalised to `v1`, only the metadata fields Trellis
 * stores, and a JSON round trip so what is held in memory equals what is read back from disk.
 */
export function storedForm(resource: IstioResource, resourceVersion: string): StoredResource {
  const { name, namespace, labels, annotations } = resource.metadata;
  const metadata: ObjectMeta & { resourceVersion: string } = { name, namespace, resourceVersion };
  if (labels !== undefined) metadata.labels = labels;
  if (annotations !== undefined) metadata.annotations = annotations;
  const apiVersion = isKindName(resource.kind) ? storedApiVersion(resource.kind) : resource.apiVersion;
  return JSON.parse(JSON.stringify({ apiVersion, kind: resource.kind, metadata, spec: resource.spec })) as StoredResource;
}
