import type { IstioResource } from './resource.ts';

/** Sorted-key JSON: two values with equal content give equal strings. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The part of a resource a user controls; server-set fields (resourceVersion) are left out. */
export function contentOf(r: IstioResource): unknown {
  const { name, namespace, labels, annotations } = r.metadata;
  return { apiVersion: r.apiVersion, kind: r.kind, metadata: { name, namespace, labels, annotations }, spec: r.spec };
}

/** Whether storing `b` over `a` would change anything. */
export function sameContent(a: IstioResource, b: IstioResource): boolean {
  return canonicalJson(contentOf(a)) === canonicalJson(contentOf(b));
}
