import { escapeRegex, type StringMatch } from './matches.ts';

/**
 * The path a virtual router's routes see behind a gateway route, in terms of the path the gateway receives:
 * - `same`: the gateway passes the path on unchanged; `uri` is the gateway route's own path condition;
 * - `fixed`: the gateway rewrites every path to `path`;
 * - `prefix`: the gateway matched `prefix` and rewrote it (with one `/` after it) to `to`.
 */
export type GatewayPathView =
  | { kind: 'same'; uri?: StringMatch }
  | { kind: 'fixed'; path: string; uri?: StringMatch }
  | { kind: 'prefix'; prefix: string; to: string };

/** A router route's path condition seen from the gateway: the condition on the received path, impossible, or not expressible. */
export type ComposedPath = { uri?: StringMatch } | { never: true } | { unsupported: string };

const NEVER: ComposedPath = { never: true };

function regexHolds(regex: string, value: string): boolean | undefined {
  try {
    return new RegExp(`^(?:${regex})$`).test(value);
  } catch {
    return undefined;
  }
}

/** Whether a router condition holds for one known path; undefined when its regex cannot be evaluated here. */
function holdsFor(router: StringMatch, path: string): boolean | undefined {
  if (router.prefix !== undefined) return path.startsWith(router.prefix);
  if (router.exact !== undefined) return path === router.exact;
  return regexHolds(router.regex ?? '', path);
}

function composeSame(gateway: StringMatch | undefined, router: StringMatch): ComposedPath {
  if (!gateway) return { uri: router };
  if (gateway.exact !== undefined) {
    const holds = holdsFor(router, gateway.exact);
    if (holds === undefined) return { unsupported: `its path regex "${router.regex}" cannot be evaluated` };
    return holds ? { uri: gateway } : NEVER;
  }
  if (gateway.prefix !== undefined && router.regex === undefined) {
    const inner = router.prefix ?? router.exact!;
    if (inner.startsWith(gateway.prefix)) return { uri: router };
    if (router.prefix !== undefined && gateway.prefix.startsWith(router.prefix)) return { uri: gateway };
    return NEVER;
  }
  return { unsupported: 'a path regex on one side and a path condition on the other cannot be combined into one match' };
}

/** The received path's regex for "the rewritten path continues with `rest`" after the gateway's prefix. */
function afterPrefix(prefix: string, rest: string): string {
  if (prefix.endsWith('/')) return escapeRegex(prefix) + escapeRegex(rest);
  // The gateway's rewrite takes one "/" after the prefix along with it.
  if (rest.startsWith('/')) return `${escapeRegex(prefix)}/${escapeRegex(rest)}`;
  return `${escapeRegex(prefix)}/?${escapeRegex(rest)}`;
}

function composePrefix(view: { prefix: string; to: string }, router: StringMatch): ComposedPath {
  if (router.regex !== undefined) return { unsupported: `its path regex "${router.regex}" applies to the path after the gateway's prefix rewrite, which one match cannot express` };
  if (router.prefix !== undefined) {
    if (view.to.startsWith(router.prefix)) return { uri: { prefix: view.prefix } };
    if (!router.prefix.startsWith(view.to)) return NEVER;
    return { uri: { regex: `${afterPrefix(view.prefix, router.prefix.slice(view.to.length))}.*` } };
  }
  const exact = router.exact!;
  if (!exact.startsWith(view.to)) return NEVER;
  return { uri: { regex: afterPrefix(view.prefix, exact.slice(view.to.length)) } };
}

/** A router route's path condition (on the path it sees) as a condition on the path the gateway receives. */
export function composePath(view: GatewayPathView, router: StringMatch | undefined): ComposedPath {
  if (view.kind === 'prefix') return router ? composePrefix(view, router) : { uri: { prefix: view.prefix } };
  if (!router) return view.uri ? { uri: view.uri } : {};
  if (view.kind === 'same') return composeSame(view.uri, router);
  const holds = holdsFor(router, view.path);
  if (holds === undefined) return { unsupported: `its path regex "${router.regex}" cannot be evaluated` };
  return holds ? (view.uri ? { uri: view.uri } : {}) : NEVER;
}
