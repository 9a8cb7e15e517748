import type { HttpMatchRequest, HttpRoute, VirtualServiceEntry } from '../mesh/mesh-model.ts';
import { labelsMatch } from '../mesh/labels-match.ts';
import { headerFields } from './header-operations.ts';
import { routeMatch } from './http-match.ts';
import { directResponseAction, mirrorPolicies, redirectAction, rewriteFields, timeoutFields } from './route-actions.ts';
import type { RouteContext } from './route-context.ts';
import type { DestinationOrigin } from './route-destinations.ts';
import { routeTarget } from './route-destinations.ts';
import { retryPolicy } from './retry-policy.ts';

// Features that need HTTP filters the listeners do not carry yet.
const NOT_TRANSLATED: readonly (keyof HttpRoute)[] = ['fault', 'corsPolicy', 'delegate'];

/** Whether a match applies to this proxy and port (Istio's source and port conditions). */
function appliesHere(ctx: RouteContext, m: HttpMatchRequest, servicePort: number): boolean {
  if (m.port !== undefined && m.port !== servicePort) return false;
  if (m.sourceNamespace !== undefined && m.sourceNamespace !== ctx.namespace) return false;
  if (m.gateways && m.gateways.length > 0 && !m.gateways.includes('mesh')) return false;
  return labelsMatch(m.sourceLabels, ctx.labels);
}

function unavailable(message: string): Record<string, unknown> {
  return { direct_response: { status: 503, body: { inline_string: `${message}\n` } } };
}

/** The action part of a route (route, redirect or direct response) shared by all of a rule's matches. */
function ruleAction(ctx: RouteContext, rule: HttpRoute, origin: DestinationOrigin): Record<string, unknown> {
  if (rule.redirect) return { redirect: redirectAction(ctx, rule.redirect, origin) };
  if (rule.directResponse) return { direct_response: directResponseAction(rule.directResponse) };
  const target = routeTarget(ctx, rule.route ?? [], origin);
  if (!target) return unavailable(`no usable destination for ${origin.source} ${origin.field}`);
  const action: Record<string, unknown> = { ...target, ...timeoutFields(ctx, rule.timeout) };
  const retries = retryPolicy(rule.retries);
  if (retries) action['retry_policy'] = retries;
  if (rule.rewrite) Object.assign(action, rewriteFields(rule.rewrite));
  const mirrors = mirrorPolicies(ctx, rule, origin);
  if (mirrors.length > 0) action['request_mirror_policies'] = mirrors;
  return { route: action };
}

/** Envoy routes for the HTTP rules of one VirtualService, as seen on one port of one of its hosts. */
export function virtualServiceRoutes(ctx: RouteContext, vs: VirtualServiceEntry, servicePort: number): Record<string, unknown>[] {
  const routes: Record<string, unknown>[] = [];
  (vs.spec.http ?? []).forEach((rule, i) => {
    const field = `spec.http[${i}]`;
    for (const key of NOT_TRANSLATED) {
      if (rule[key] !== undefined) ctx.issues.push({ resource: vs.source, field: `${field}.${key}`, message: 'not translated yet; ignored' });
    }
    if (rule.delegate) return;
    const matches = rule.match && rule.match.length > 0 ? rule.match.filter((m) => appliesHere(ctx, m, servicePort)) : [undefined];
    if (matches.length === 0) return;
    const origin = { source: vs.source, namespace: vs.namespace, field, servicePort };
    const action = ruleAction(ctx, rule, origin);
    const headers = headerFields(rule.headers, { source: vs.source, field: `${field}.headers` }, ctx.issues);
    for (const m of matches) {
      const name = [rule.name, m?.name].filter(Boolean).join('.');
      routes.push({ ...(name ? { name } : {}), match: routeMatch(m), ...action, ...headers });
    }
  });
  return routes;
}
