import type { HttpMatchRequest, HttpRoute, VirtualServiceEntry } from '../mesh/mesh-model.ts';
import { labelsMatch } from '../mesh/labels-match.ts';
import { gatewaysApply } from '../mesh/gateway-names.ts';
import { headerFields } from './header-operations.ts';
import { routeMatch } from './http-match.ts';
import { directResponseAction, mirrorPolicies, redirectAction, rewriteFields, timeoutFields } from './route-actions.ts';
import type { RouteContext } from './route-context.ts';
import type { DestinationOrigin } from './route-destinations.ts';
import { routeTarget } from './route-destinations.ts';
import { retryPolicy } from './retry-policy.ts';
import { delegateFor } from '../mesh/delegates.ts';
import { mergeDelegateRule } from './delegate.ts';
import { perFilterConfig } from './per-filter-config.ts';

/** Whether a match applies to this proxy and port (Istio's source and port conditions). */
function appliesHere(ctx: RouteContext, m: HttpMatchRequest, servicePort: number, vsNamespace: string): boolean {
  if (m.port !== undefined && m.port !== servicePort) return false;
  if (m.sourceNamespace !== undefined && m.sourceNamespace !== ctx.namespace) return false;
  if (!gatewaysApply(ctx, m.gateways, vsNamespace)) return false;
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

/** The Envoy routes of one HTTP rule: one per match that applies to this proxy and port. */
function ruleRoutes(ctx: RouteContext, vs: VirtualServiceEntry, rule: HttpRoute, field: string, servicePort: number): Record<string, unknown>[] {
  const matches = rule.match && rule.match.length > 0 ? rule.match.filter((m) => appliesHere(ctx, m, servicePort, vs.namespace)) : [undefined];
  if (matches.length === 0) return [];
  const origin = { source: vs.source, namespace: vs.namespace, field, servicePort };
  const action = ruleAction(ctx, rule, origin);
  const headers = headerFields(rule.headers, { source: vs.source, field: `${field}.headers` }, ctx.issues);
  const filters = perFilterConfig(ctx, rule, origin);
  return matches.map((m) => {
    const name = [rule.name, m?.name].filter(Boolean).join('.');
    return { ...(name ? { name } : {}), match: routeMatch(m), ...(m?.statPrefix ? { stat_prefix: m.statPrefix } : {}), ...action, ...headers, ...filters };
  });
}

/** Envoy routes for the HTTP rules of one VirtualService, as seen on one port of one of its hosts; delegates are merged in place. */
export function virtualServiceRoutes(ctx: RouteContext, vs: VirtualServiceEntry, servicePort: number): Record<string, unknown>[] {
  const routes: Record<string, unknown>[] = [];
  (vs.spec.http ?? []).forEach((rule, i) => {
    const field = `spec.http[${i}]`;
    if (!rule.delegate) {
      routes.push(...ruleRoutes(ctx, vs, rule, field, servicePort));
      return;
    }
    const delegate = delegateFor(ctx.index.delegates, vs, rule);
    if (!delegate) {
      ctx.issues.push({ resource: vs.source, field: `${field}.delegate`, message: 'no delegate VirtualService of that name (without hosts) is exported to this namespace; rule skipped' });
      return;
    }
    (delegate.spec.http ?? []).forEach((own, j) => {
      const merged = mergeDelegateRule(rule, own);
      if (merged) routes.push(...ruleRoutes(ctx, delegate, merged, `spec.http[${j}]`, servicePort));
      else ctx.issues.push({ resource: delegate.source, field: `spec.http[${j}].match`, message: `cannot match inside ${vs.source} ${field}; rule skipped` });
    });
  });
  return routes;
}
