import type { Analyzer } from '../analyzer.ts';
import type { Finding } from '../finding.ts';
import { keyOf } from '../../resources/resource.ts';
import type { HTTPRoute } from '../../resources/schemas/virtual-service.ts';

type Match = NonNullable<HTTPRoute['match']>[number];

/** Fields that do not narrow a match. */
const NEUTRAL = new Set(['name', 'ignoreUriCase', 'statPrefix']);

function matchesEverything(m: Match): boolean {
  for (const [field, value] of Object.entries(m)) {
    if (value === undefined || NEUTRAL.has(field)) continue;
    if (field === 'uri' && (value as { prefix?: string }).prefix === '/' && Object.keys(value as object).length === 1) continue;
    return false;
  }
  return true;
}

/** Routes are tried in order; one without a narrowing match takes every request, so later routes never run. */
export const unreachableHttpMatch: Analyzer = {
  code: 'TRL0106',
  title: 'unreachable HTTP route after a catch-all',
  run(view) {
    const findings: Finding[] = [];
    for (const vs of view.of('VirtualService')) {
      const routes = vs.spec.http ?? [];
      const catchAll = routes.findIndex((r) => !r.match || r.match.length === 0 || r.match.some(matchesEverything));
      if (catchAll < 0) continue;
      for (let j = catchAll + 1; j < routes.length; j++) {
        findings.push({
          code: this.code,
          message: `spec.http[${j}]${routes[j]!.name ? ` ("${routes[j]!.name}")` : ''} is never used: spec.http[${catchAll}] before it matches every request; move the catch-all last`,
          resource: keyOf(vs),
          path: `spec.http[${j}]`,
        });
      }
    }
    return findings;
  },
};
