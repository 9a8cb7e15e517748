/** Envoy RBAC Principal and Permission trees, with the one-element sets folded away for readable config. */
export type Rbac = Record<string, unknown>;

export const ANY: Rbac = { any: true };

export const orIds = (ids: Rbac[]): Rbac => (ids.length === 1 ? ids[0]! : { or_ids: { ids } });
export const andIds = (ids: Rbac[]): Rbac => (ids.length === 0 ? ANY : ids.length === 1 ? ids[0]! : { and_ids: { ids } });
export const notId = (id: Rbac): Rbac => ({ not_id: id });

export const orRules = (rules: Rbac[]): Rbac => (rules.length === 1 ? rules[0]! : { or_rules: { rules } });
export const andRules = (rules: Rbac[]): Rbac => (rules.length === 0 ? ANY : rules.length === 1 ? rules[0]! : { and_rules: { rules } });
export const notRule = (rule: Rbac): Rbac => ({ not_rule: rule });

/** Never matches: the permission for a port this listener does not serve. */
export const NEVER_RULE: Rbac = notRule(ANY);

/** A policy field with values (any of them matches) and notValues (none may match); undefined when both are empty. */
export function valuesAndNot(
  values: readonly string[] | undefined,
  notValues: readonly string[] | undefined,
  one: (v: string) => Rbac,
  set: { or: (list: Rbac[]) => Rbac; not: (x: Rbac) => Rbac },
): Rbac[] {
  const parts: Rbac[] = [];
  if (values && values.length > 0) parts.push(set.or(values.map(one)));
  if (notValues && notValues.length > 0) parts.push(set.not(set.or(notValues.map(one))));
  return parts;
}

export const PRINCIPAL_SET = { or: orIds, not: notId };
export const PERMISSION_SET = { or: orRules, not: notRule };

/** A value Envoy RBAC cannot express; the whole rule is then translated fail-closed. */
export class UntranslatableError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'UntranslatableError';
  }
}
