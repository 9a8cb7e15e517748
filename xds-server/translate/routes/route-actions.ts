import { protoDuration } from '../envoy/duration.ts';
import type { HttpRoute } from '../mesh/mesh-model.ts';
import { destinationCluster, type DestinationOrigin } from './route-destinations.ts';
import type { RouteContext } from './route-context.ts';

const REDIRECT_CODES: Record<number, string> = {
  301: 'MOVED_PERMANENTLY',
  302: 'FOUND',
  303: 'SEE_OTHER',
  307: 'TEMPORARY_REDIRECT',
  308: 'PERMANENT_REDIRECT',
};

/** Envoy RedirectAction of an Istio HTTPRedirect. */
export function redirectAction(ctx: RouteContext, redirect: NonNullable<HttpRoute['redirect']>, origin: DestinationOrigin): Record<string, unknown> {
  const action: Record<string, unknown> = {};
  if (redirect.uri !== undefined) action['path_redirect'] = redirect.uri;
  else if (redirect.prefixRewrite !== undefined) action['prefix_rewrite'] = redirect.prefixRewrite;
  if (redirect.authority !== undefined) action['host_redirect'] = redirect.authority;
  if (redirect.port !== undefined) action['port_redirect'] = redirect.port;
  if (redirect.scheme !== undefined) action['scheme_redirect'] = redirect.scheme;
  if (redirect.redirectCode !== undefined) {
    const code = REDIRECT_CODES[redirect.redirectCode];
    if (code) action['response_code'] = code;
    else ctx.issues.push({ resource: origin.source, field: `${origin.field}.redirect.redirectCode`, message: `${redirect.redirectCode} is not a redirect code Envoy knows; 301 used` });
  }
  if (redirect.derivePort !== undefined) {
    ctx.issues.push({ resource: origin.source, field: `${origin.field}.redirect.derivePort`, message: 'not translated yet; ignored' });
  }
  return action;
}

/** Envoy DirectResponseAction of an Istio HTTPDirectResponse. */
export function directResponseAction(response: NonNullable<HttpRoute['directResponse']>): Record<string, unknown> {
  const action: Record<string, unknown> = { status: response.status };
  if (response.body?.string !== undefined) action['body'] = { inline_string: response.body.string };
  else if (response.body?.bytes !== undefined) action['body'] = { inline_bytes: response.body.bytes };
  return action;
}

/** RouteAction fields for `rewrite`. */
export function rewriteFields(rewrite: NonNullable<HttpRoute['rewrite']>): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  if (rewrite.uriRegexRewrite?.match !== undefined) {
    fields['regex_rewrite'] = { pattern: { regex: rewrite.uriRegexRewrite.match }, substitution: rewrite.uriRegexRewrite.rewrite ?? '' };
  } else if (rewrite.uri !== undefined) {
    fields['prefix_rewrite'] = rewrite.uri;
  }
  if (rewrite.authority !== undefined) fields['host_rewrite_literal'] = rewrite.authority;
  return fields;
}

/** RouteAction `request_mirror_policies` for `mirror`/`mirrors` (Istio mirrors 100% unless told). */
export function mirrorPolicies(ctx: RouteContext, rule: HttpRoute, origin: DestinationOrigin): Record<string, unknown>[] {
  const legacyPercent = rule.mirrorPercentage?.value ?? rule.mirrorPercent ?? rule.mirror_percent;
  const mirrors = [
    ...(rule.mirror ? [{ destination: rule.mirror, percent: legacyPercent, field: `${origin.field}.mirror` }] : []),
    ...(rule.mirrors ?? []).map((m, i) => ({ destination: m.destination, percent: m.percentage?.value, field: `${origin.field}.mirrors[${i}]` })),
  ];
  const policies: Record<string, unknown>[] = [];
  for (const m of mirrors) {
    const found = destinationCluster(ctx, m.destination, origin);
    if ('problem' in found) {
      ctx.issues.push({ resource: origin.source, field: m.field, message: `${found.problem}; mirror dropped` });
      continue;
    }
    const policy: Record<string, unknown> = { cluster: found.cluster };
    if (m.percent !== undefined && m.percent < 100) {
      policy['runtime_fraction'] = { default_value: { numerator: Math.round(m.percent * 10_000), denominator: 'MILLION' } };
    }
    policies.push(policy);
  }
  return policies;
}

/** RouteAction `timeout`: Istio's default is none, and `0s` turns off Envoy's own 15 s default. */
export function timeoutFields(ctx: RouteContext, timeout: string | undefined): Record<string, unknown> {
  const duration = (timeout && protoDuration(timeout)) || { seconds: 0, nanos: 0 };
  const fields: Record<string, unknown> = { timeout: duration };
  // Proxyless gRPC ignores `timeout` and reads the stream duration instead.
  if (ctx.flavour === 'grpc' && timeout) fields['max_stream_duration'] = { max_stream_duration: duration };
  return fields;
}
