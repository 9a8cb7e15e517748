import type { SpecOf } from '../../../core/resources/index.ts';
import { wildcardMatcher, wildcardRegex } from './istio-patterns.ts';
import type { RbacContext } from './rbac-context.ts';
import { andRules, ANY, NEVER_RULE, PERMISSION_SET, UntranslatableError, valuesAndNot, type Rbac } from './rbac-sets.ts';

type Rule = NonNullable<SpecOf['AuthorizationPolicy']['rules']>[number];
export type Operation = NonNullable<NonNullable<Rule['to']>[number]['operation']>;

/** Hosts match the authority with or without a port, case-insensitively. */
export function hostRule(host: string): Rbac {
  const name = host === '*' ? '.+' : wildcardRegex(host, '.');
  return { header: { name: ':authority', string_match: { safe_regex: { regex: `(?i)${name}(:[0-9]+)?` } } } };
}

/** Paths match without the query string; Istio's `{*}` path templates are not translated. */
export function pathRule(path: string, field: string): Rbac {
  if (path.includes('{')) throw new UntranslatableError(field, `"${path}": path templates are not translated`);
  return { url_path: { path: wildcardMatcher(path) } };
}

export const methodRule = (method: string): Rbac => ({ header: { name: ':method', string_match: wildcardMatcher(method) } });

/** The listener serves one workload port, so a port condition is decided here. */
export const portRule = (port: string, ctx: RbacContext): Rbac => (Number(port) === ctx.appPort ? ANY : NEVER_RULE);

/** One `to.operation`: every field set must match. */
export function operationPermission(op: Operation, ctx: RbacContext, field: string): Rbac {
  return andRules([
    ...valuesAndNot(op.hosts, op.notHosts, hostRule, PERMISSION_SET),
    ...valuesAndNot(op.ports, op.notPorts, (p) => portRule(p, ctx), PERMISSION_SET),
    ...valuesAndNot(op.methods, op.notMethods, methodRule, PERMISSION_SET),
    ...valuesAndNot(op.paths, op.notPaths, (p) => pathRule(p, `${field}.paths`), PERMISSION_SET),
  ]);
}
