import { composePath, type GatewayPathView } from './gateway-paths.ts';
import type { StringMatch } from './matches.ts';

type Match = Record<string, unknown> & { uri?: StringMatch; method?: StringMatch; port?: number };
type Rule = Record<string, unknown> & { name?: string; match?: Match[]; route?: { destination: Record<string, unknown> }[] };

/** One gateway route in front of a virtual router: what it matches, how it rewrites, and the service port it sends to. */
export interface GatewayRouteFront {
  name: string;
  match: Match;
  rewrite: Record<string, unknown>;
  view: GatewayPathView;
  /** The target's service port the gateway sends to (the router listener's port). */
  port: number | undefined;
  /** Set on destinations only when the gateway must pick the port (several listeners). */
  destinationPort: number | undefined;
}

export interface CarriedRoutes {
  http: Record<string, unknown>[];
  /** Router routes that cannot be carried to the gateway, each with the reason. */
  dropped: { route: string; reason: string }[];
}

function unionConditions(a: unknown, b: unknown): Record<string, unknown> | undefined | 'conflict' | 'never' {
  const left = (a ?? {}) as Record<string, unknown>;
  const right = (b ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(right)) {
    if (!(k in left) || JSON.stringify(left[k]) === JSON.stringify(v)) continue;
    const [l, r] = [left[k] as StringMatch, v as StringMatch];
    return l.exact !== undefined && r.exact !== undefined ? 'never' : 'conflict';
  }
  const out = { ...left, ...right };
  return Object.keys(out).length ? out : undefined;
}

/** The gateway match AND one router match; `never` when both cannot hold, a reason when one match cannot say it. */
function combine(front: GatewayRouteFront, own: Match | undefined): Match | { never: true } | { unsupported: string } {
  if (own?.port !== undefined && front.port !== undefined && own.port !== front.port) return { never: true };
  const path = composePath(front.view, own?.uri);
  if ('never' in path || 'unsupported' in path) return path;
  const { uri: _gatewayUri, ...gateway } = front.match;
  const out: Match = { ...gateway, ...(path.uri ? { uri: path.uri } : {}) };
  if (own?.method) {
    if (gateway.method && gateway.method.exact !== own.method.exact) return { never: true };
    out.method = own.method;
  }
  if (own?.scheme) out.scheme = own.scheme;
  for (const key of ['headers', 'withoutHeaders', 'queryParams'] as const) {
    const merged = unionConditions(gateway[key], own?.[key]);
    // Two different exact values of one header cannot both hold; other pairs could, but one match cannot say so.
    if (merged === 'never' && key !== 'withoutHeaders') return { never: true };
    if (merged === 'conflict' || merged === 'never') return { unsupported: `the gateway route and the route both set conditions on the same ${key === 'queryParams' ? 'query parameter' : 'header'}, which one match cannot hold` };
    if (merged) out[key] = merged;
  }
  return out;
}

const sameMatch = (a: Match, b: Match) => JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());

/**
 * A gateway route whose target is provided by a virtual router, as App Mesh serves it: the gateway picks the
 * route, then the router's routes (in their order) pick the targets, on the path as rewritten by the gateway.
 * Each router route becomes a gateway rule matching both; a request the router has no route for gets 404.
 */
export function carryRouterRoutes(front: GatewayRouteFront, routerRules: readonly Rule[]): CarriedRoutes {
  const http: Record<string, unknown>[] = [];
  const dropped: CarriedRoutes['dropped'] = [];
  let covered = false;
  for (const rule of routerRules) {
    const own = rule.match?.length ? rule.match : [undefined];
    const matches: Match[] = [];
    for (const m of own) {
      const combined = combine(front, m);
      if ('unsupported' in combined) dropped.push({ route: rule.name ?? '(unnamed)', reason: combined.unsupported as string });
      else if (!('never' in combined)) matches.push(combined);
    }
    if (matches.length === 0) continue;
    const route = (rule.route ?? []).map((r) => ({ ...r, destination: { ...r.destination, ...(front.destinationPort !== undefined && r.destination.port === undefined ? { port: { number: front.destinationPort } } : {}) } }));
    const { name: _name, match: _match, route: _route, ...rest } = rule;
    http.push({ name: `${front.name}-${rule.name ?? http.length}`, ...(matches.every((m) => Object.keys(m).length) ? { match: matches } : {}), route, ...(Object.keys(front.rewrite).length ? { rewrite: front.rewrite } : {}), ...rest });
    if (matches.some((m) => sameMatch(m, front.match))) {
      covered = true;
      break;
    }
  }
  if (!covered) http.push({ name: `${front.name}-no-route`, ...(Object.keys(front.match).length ? { match: [front.match] } : {}), directResponse: { status: 404 } });
  return { http, dropped };
}
