import type { SpecOf } from '../../../core/resources/index.ts';
import { cidrRange, wildcardMatcher } from './istio-patterns.ts';
import { claimMatches, requestPrincipalMatcher } from './jwt-claims.ts';
import type { RbacContext } from './rbac-context.ts';
import { portRule } from './rbac-operation.ts';
import { andIds, andRules, PERMISSION_SET, PRINCIPAL_SET, UntranslatableError, valuesAndNot, type Rbac } from './rbac-sets.ts';
import { namespaceId, principalId, serviceAccountPrincipal } from './rbac-source.ts';

type Rule = NonNullable<SpecOf['AuthorizationPolicy']['rules']>[number];
export type Condition = NonNullable<Rule['when']>[number];

/** A `when` condition lands on the principal side (who is asking) or the permission side (what is asked). */
export type ConditionMatch = { principal: Rbac } | { permission: Rbac };

type Matcher = { side: 'principal' | 'permission'; one: (value: string) => Rbac };

const BRACKETS = /\[([^\]]+)\]/g;
const names = (key: string) => [...key.matchAll(BRACKETS)].map((m) => m[1] ?? '');

/** How each supported key matches one value; undefined for keys Trellis does not translate. */
function matcherFor(key: string, ctx: RbacContext, field: string): Matcher | undefined {
  if (key.startsWith('request.headers[')) {
    const [name = ''] = names(key);
    return { side: 'principal', one: (v) => ({ header: { name: name.toLowerCase(), string_match: wildcardMatcher(v) } }) };
  }
  if (key.startsWith('request.auth.claims[')) {
    const path = names(key);
    return { side: 'principal', one: (v) => claimMatches(path, v) };
  }
  switch (key) {
    case 'source.ip':
      return { side: 'principal', one: (v) => ({ direct_remote_ip: cidrRange(v) }) };
    case 'remote.ip':
      return { side: 'principal', one: (v) => ({ remote_ip: cidrRange(v) }) };
    case 'source.namespace':
      return { side: 'principal', one: namespaceId };
    case 'source.principal':
      return { side: 'principal', one: (v) => principalId(v, ctx) };
    case 'source.serviceAccount':
      return { side: 'principal', one: (v) => serviceAccountPrincipal(v, ctx) };
    case 'request.auth.principal':
      return { side: 'principal', one: (v) => requestPrincipalMatcher(v, field) };
    case 'request.auth.audiences':
      return { side: 'principal', one: (v) => claimMatches(['aud'], v) };
    case 'request.auth.presenter':
      return { side: 'principal', one: (v) => claimMatches(['azp'], v) };
    case 'destination.ip':
      return { side: 'permission', one: (v) => ({ destination_ip: cidrRange(v) }) };
    case 'destination.port':
      return { side: 'permission', one: (v) => portRule(v, ctx) };
    case 'connection.sni':
      return { side: 'permission', one: (v) => ({ requested_server_name: wildcardMatcher(v) }) };
    default:
      return undefined;
  }
}

/** One `when` condition: any of `values` and none of `notValues`. */
export function conditionMatch(condition: Condition, ctx: RbacContext, field: string): ConditionMatch {
  const matcher = matcherFor(condition.key, ctx, field);
  if (!matcher) throw new UntranslatableError(`${field}.key`, `"${condition.key}" is not a translated condition key`);
  if (matcher.side === 'principal') {
    return { principal: andIds(valuesAndNot(condition.values, condition.notValues, matcher.one, PRINCIPAL_SET)) };
  }
  return { permission: andRules(valuesAndNot(condition.values, condition.notValues, matcher.one, PERMISSION_SET)) };
}
