import type { TranslationIssue } from '../translation-result.ts';
import { conditionMatch } from './rbac-conditions.ts';
import type { RbacContext } from './rbac-context.ts';
import { operationPermission } from './rbac-operation.ts';
import { andIds, andRules, ANY, orIds, orRules, UntranslatableError, type Rbac } from './rbac-sets.ts';
import { sourcePrincipal } from './rbac-source.ts';
import { RBAC_FILTER_NAME, RBAC_TYPE } from './security-types.ts';
import type { AuthorizationPolicyEntry } from './security-policies.ts';

type Rule = NonNullable<AuthorizationPolicyEntry['spec']['rules']>[number];

/** One rule as an Envoy policy: any `from` and any `to`, and every `when`. */
function rulePolicy(rule: Rule, ctx: RbacContext, path: string): Rbac {
  const principals: Rbac[] = [];
  const permissions: Rbac[] = [];
  if (rule.from && rule.from.length > 0) principals.push(orIds(rule.from.map((f, i) => sourcePrincipal(f.source ?? {}, ctx, `${path}.from[${i}].source`))));
  if (rule.to && rule.to.length > 0) permissions.push(orRules(rule.to.map((t) => operationPermission(t.operation ?? {}, ctx))));
  rule.when?.forEach((condition, i) => {
    const match = conditionMatch(condition, ctx, `${path}.when[${i}]`);
    if ('principal' in match) principals.push(match.principal);
    else permissions.push(match.permission);
  });
  return { permissions: [andRules(permissions)], principals: [andIds(principals)] };
}

/** Istio's policy key: `ns[<namespace>]-policy[<name>]-rule[<index>]`, after `prefix`. */
function policyKey(entry: AuthorizationPolicyEntry, index: number, prefix: string): string {
  const name = entry.source.split('/')[2] ?? '';
  return `${prefix}ns[${entry.namespace}]-policy[${name}]-rule[${index}]`;
}

const OUTCOME = { ALLOW: 'this rule allows nothing', DENY: 'this rule denies every request', CUSTOM: 'this rule sends every request to the authorizer', AUDIT: 'this rule audits every request' };

/**
 * The Envoy policies of one action, named with `prefix`. A rule Envoy cannot express fails
 * closed: an ALLOW rule is left out (it allows nothing), a DENY or CUSTOM rule matches every request.
 */
export function policiesOf(entries: readonly AuthorizationPolicyEntry[], action: keyof typeof OUTCOME, ctx: RbacContext, issues: TranslationIssue[], prefix = ''): Record<string, Rbac> {
  const policies: Record<string, Rbac> = {};
  for (const entry of entries) {
    entry.spec.rules?.forEach((rule, i) => {
      try {
        policies[policyKey(entry, i, prefix)] = rulePolicy(rule, ctx, `spec.rules[${i}]`);
      } catch (err) {
        if (!(err instanceof UntranslatableError)) throw err;
        issues.push({ resource: entry.source, field: err.field, message: `${err.message}; ${OUTCOME[action]}` });
        if (action !== 'ALLOW') policies[policyKey(entry, i, prefix)] = { permissions: [ANY], principals: [ANY] };
      }
    });
  }
  return policies;
}

export const rbacFilter = (action: 'ALLOW' | 'DENY', policies: Record<string, Rbac>) => ({
  name: RBAC_FILTER_NAME,
  typed_config: { '@type': RBAC_TYPE, rules: { action, policies } },
});

/** Counted apart from the enforcing filters: `rbac.audit.logged` / `rbac.audit.not_logged`. */
export const AUDIT_STAT_PREFIX = 'audit.';

/**
 * AUDIT policies as Envoy's LOG action: a matching request is let through with the
 * `envoy.common` `access_log_hint` dynamic metadata set for access logs, and counted.
 */
const auditFilter = (policies: Record<string, Rbac>) => ({
  name: RBAC_FILTER_NAME,
  typed_config: { '@type': RBAC_TYPE, rules: { action: 'LOG', policies }, rules_stat_prefix: AUDIT_STAT_PREFIX, track_per_rule_stats: true },
});

/**
 * AUDIT, DENY and ALLOW AuthorizationPolicies as HTTP RBAC filters: AUDIT (which only marks), then Istio's order, DENY, then
 * ALLOW (CUSTOM ones, evaluated before both, are ext-authz.ts's). No ALLOW policy allows
 * everything; any ALLOW policy (even one without rules) makes ALLOW the only way in.
 */
export function rbacFilters(entries: readonly AuthorizationPolicyEntry[], ctx: RbacContext, issues: TranslationIssue[]): Record<string, unknown>[] {
  const byAction = (action: string) => entries.filter((e) => (e.spec.action ?? 'ALLOW') === action);
  for (const entry of entries) {
    if (entry.spec.targetRef || entry.spec.targetRefs) issues.push({ resource: entry.source, field: 'spec.targetRef', message: 'targetRef is not supported; policy ignored' });
  }
  const usable = (action: string) => byAction(action).filter((e) => !e.spec.targetRef && !e.spec.targetRefs);
  const filters: Record<string, unknown>[] = [];
  // Audited before DENY so that denied requests are audited too.
  const audit = policiesOf(usable('AUDIT'), 'AUDIT', ctx, issues);
  if (Object.keys(audit).length > 0) filters.push(auditFilter(audit));
  const deny = policiesOf(usable('DENY'), 'DENY', ctx, issues);
  if (Object.keys(deny).length > 0) filters.push(rbacFilter('DENY', deny));
  const allow = usable('ALLOW');
  if (allow.length > 0) filters.push(rbacFilter('ALLOW', policiesOf(allow, 'ALLOW', ctx, issues)));
  return filters;
}
