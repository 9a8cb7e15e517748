import type { SpecOf } from '../../../core/resources/index.ts';
import { wildcardMatcher, wildcardRegex } from './istio-patterns.ts';
import type { RbacContext } from './rbac-context.ts';
import { andRules, ANY, NEVER_RULE, PERMISSION_SET, valuesAndNot, type Rbac } from './rbac-sets.ts';

type Rule = NonNullable<SpecOf['AuthorizationPolicy']['rules']>[number];
export type Operation = NonNullable<NonNullable<Rule['to']>[number]['operation']>;

/** Hosts match the authority with or without a port, case-insensitively. */
export function hostRule(host: string): Rbac {
  const name = host === '*' ? '.+' : wildcardRegex(host, '.');
  return { header: { name: ':authority', string_match: { safe_regex: { regex: `(?i)${name}(:[0-9]+)?` } } } };
}

const URI_TEMPLATE_TYPE = 'type.googleapis.com/envoy.extensions.path.match.uri_template.v3.UriTemplateMatchConfig';

/** Paths match without the query string; Istio's `{*}` (one segment) and `{**}` (the rest) are Envoy's URI template `*` and `**`. */
export function pathRule(path: string): Rbac {
  if (!path.includes('{')) return { url_path: { path: wildcardMatcher(path) } };
  const template = path.replaceAll('{**}', '**').replaceAll('{*}', '*');
  return { uri_template: { name: 'envoy.path.match.uri_template.uri_template_matcher', typed_config: { '@type': URI_TEMPLATE_TYPE, path_template: template } } };
}

export const methodRule = (method: string): Rbac => ({ header: { name: ':method', string_match: wildcardMatcher(method) } });

/** The listener serves one workload port, so a port condition is decided here. */
export const portRule = (port: string, ctx: RbacContext): Rbac => (Number(port) === ctx.appPort ? ANY : NEVER_RULE);

/** One `to.operation`: every field set must match. */
export function operationPermission(op: Operation, ctx: RbacContext): Rbac {
  return andRules([
    ...valuesAndNot(op.hosts, op.notHosts, hostRule, PERMISSION_SET),
    ...valuesAndNot(op.ports, op.notPorts, (p) => portRule(p, ctx), PERMISSION_SET),
    ...valuesAndNot(op.methods, op.notMethods, methodRule, PERMISSION_SET),
    ...valuesAndNot(op.paths, op.notPaths, pathRule, PERMISSION_SET),
  ]);
}
