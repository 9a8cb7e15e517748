import { isKindName } from './kinds.ts';

/** Istio kinds Trellis does not serve yet: refused as such, never skipped (a mesh kind ignored would be a false green). */
export const UNSUPPORTED_ISTIO_KINDS: Readonly<Record<string, string>> = {
  WasmPlugin: 'Wasm extensions are not loaded',
};

// Gateway API reuses the name Gateway; its objects are Kubernetes', not Istio's.
const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';

/** What one document of an apply is, by apiVersion group and kind. */
export type DocumentKind =
  /** An Istio kind Trellis stores, or something that claims to be one (validation reports what is wrong). */
  | { class: 'managed' }
  /** A mesh kind (an `*.istio.io` group) Trellis does not serve. */
  | { class: 'unsupported'; kind: string; apiVersion: string; reason: string }
  /** Anything else: Kubernetes workloads, Services, Gateway API objects, other operators' kinds. */
  | { class: 'foreign'; kind: string; apiVersion: string; name?: string; namespace?: string };

function groupOf(apiVersion: string): string {
  const slash = apiVersion.lastIndexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

const isIstioGroup = (group: string) => group === 'istio.io' || group.endsWith('.istio.io');

/** Sorts a document into managed, unsupported mesh kind, or not Trellis's business. */
export function classifyDocument(doc: unknown): DocumentKind {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return { class: 'managed' };
  const { apiVersion, kind, metadata } = doc as { apiVersion?: unknown; kind?: unknown; metadata?: unknown };
  if (typeof apiVersion !== 'string' || typeof kind !== 'string' || kind === '') return { class: 'managed' };
  const group = groupOf(apiVersion);
  if (isIstioGroup(group)) {
    if (isKindName(kind)) return { class: 'managed' };
    return { class: 'unsupported', kind, apiVersion, reason: UNSUPPORTED_ISTIO_KINDS[kind] ?? 'this Istio kind is not served by Trellis' };
  }
  // A Trellis kind under another group is most likely a typo in apiVersion: let validation say so.
  if (isKindName(kind) && group !== GATEWAY_API_GROUP) return { class: 'managed' };
  const meta = typeof metadata === 'object' && metadata !== null ? (metadata as { name?: unknown; namespace?: unknown }) : {};
  return {
    class: 'foreign',
    kind,
    apiVersion,
    ...(typeof meta.name === 'string' ? { name: meta.name } : {}),
    ...(typeof meta.namespace === 'string' ? { namespace: meta.namespace } : {}),
  };
}

/** `Deployment/reviews-v1`, as the skip notices name objects. */
export function foreignName(d: { kind: string; name?: string }): string {
  return `${d.kind}/${d.name ?? '(unnamed)'}`;
}
