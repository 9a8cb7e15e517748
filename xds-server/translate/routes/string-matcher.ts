import type { StringMatch } from '../mesh/mesh-model.ts';

/** An Envoy StringMatcher for an Istio StringMatch; undefined for `{}`, which matches presence only. */
export function stringMatcher(match: StringMatch, ignoreCase = false): Record<string, unknown> | undefined {
  const caseFields = ignoreCase ? { ignore_case: true } : {};
  if (match.exact !== undefined) return { exact: match.exact, ...caseFields };
  if (match.prefix !== undefined) return { prefix: match.prefix, ...caseFields };
  // RE2 spells case-insensitivity inside the pattern; StringMatcher's ignore_case does not apply to regexes.
  if (match.regex !== undefined) return { safe_regex: { regex: ignoreCase ? `(?i)${match.regex}` : match.regex } };
  return undefined;
}
