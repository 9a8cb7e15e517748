import type { HttpMatchRequest, HttpRoute, StringMatch } from '../mesh/mesh-model.ts';

type Conflict = { conflict: true };
const CONFLICT: Conflict = { conflict: true };

/** A delegate's string match must narrow the root's: same exact value, or a prefix inside the root prefix. */
function narrowString(root: StringMatch | undefined, delegate: StringMatch | undefined): StringMatch | undefined | Conflict {
  if (!root) return delegate;
  if (!delegate) return root;
  if (root.prefix !== undefined) {
    const inner = delegate.exact ?? delegate.prefix;
    return inner !== undefined && inner.startsWith(root.prefix) ? delegate : CONFLICT;
  }
  if (root.exact !== undefined) return delegate.exact === root.exact ? delegate : CONFLICT;
  return CONFLICT;
}

function unionMap<V>(root: Readonly<Record<string, V>> | undefined, delegate: Readonly<Record<string, V>> | undefined): Record<string, V> | undefined | Conflict {
  if (!root) return delegate ? { ...delegate } : undefined;
  if (!delegate) return { ...root };
  for (const [k, v] of Object.entries(delegate)) if (k in root && JSON.stringify(root[k]) !== JSON.stringify(v)) return CONFLICT;
  return { ...root, ...delegate };
}

const isConflict = (v: unknown): v is Conflict => typeof v === 'object' && v !== null && 'conflict' in v;

/** One root match AND one delegate match (Istio delegate semantics); undefined when they cannot both hold. */
function mergeMatch(root: HttpMatchRequest, delegate: HttpMatchRequest): HttpMatchRequest | undefined {
  const out: HttpMatchRequest = { ...root, ...delegate };
  for (const key of ['uri', 'scheme', 'method', 'authority'] as const) {
    const merged = narrowString(root[key], delegate[key]);
    if (isConflict(merged)) return undefined;
    if (merged) out[key] = merged;
  }
  for (const key of ['headers', 'queryParams', 'withoutHeaders', 'sourceLabels'] as const) {
    const merged = unionMap<unknown>(root[key], delegate[key]);
    if (isConflict(merged)) return undefined;
    if (merged) (out as Record<string, unknown>)[key] = merged;
  }
  for (const key of ['port', 'sourceNamespace'] as const) {
    if (root[key] !== undefined && delegate[key] !== undefined && root[key] !== delegate[key]) return undefined;
  }
  if (root.ignoreUriCase) out.ignoreUriCase = true;
  return out;
}

/** A delegate rule with its matches ANDed with the root rule's; undefined when no combination can match. */
export function mergeDelegateRule(rootRule: HttpRoute, delegateRule: HttpRoute): HttpRoute | undefined {
  const rootMatches = rootRule.match ?? [];
  const ownMatches = delegateRule.match ?? [];
  if (rootMatches.length === 0) return delegateRule;
  if (ownMatches.length === 0) return { ...delegateRule, match: rootMatches };
  const match = rootMatches.flatMap((r) => ownMatches.flatMap((d) => mergeMatch(r, d) ?? []));
  return match.length > 0 ? { ...delegateRule, match } : undefined;
}
