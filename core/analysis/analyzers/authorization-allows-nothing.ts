import type { Analyzer } from '../analyzer.ts';
import type { Finding } from '../finding.ts';
import { keyOf } from '../../resources/resource.ts';

/** An ALLOW policy without rules matches no request, so every request to its workloads is denied. */
export const authorizationAllowsNothing: Analyzer = {
  code: 'TRL0110',
  title: 'AuthorizationPolicy that allows nothing',
  run(view) {
    const findings: Finding[] = [];
    for (const ap of view.of('AuthorizationPolicy')) {
      if ((ap.spec.action ?? 'ALLOW') !== 'ALLOW' || (ap.spec.rules ?? []).length > 0) continue;
      findings.push({
        code: this.code,
        message: 'an ALLOW policy with no rules matches nothing: every request to the workloads it selects is denied. Intended as deny-all, this is fine; to allow all, write rules: [{}]',
        resource: keyOf(ap),
        path: ap.spec.rules ? 'spec.rules' : 'spec',
      });
    }
    return findings;
  },
};
