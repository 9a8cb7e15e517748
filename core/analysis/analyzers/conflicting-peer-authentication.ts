import type { Analyzer } from '../analyzer.ts';
import type { Finding } from '../finding.ts';
import { keyOf } from '../../resources/resource.ts';
import type { Typed } from '../mesh-view.ts';
import { isRootNamespace } from '../root-namespaces.ts';

type PeerAuthentication = Typed<'PeerAuthentication'>;

const modeOf = (pa: PeerAuthentication) => pa.spec.mtls?.mode ?? 'UNSET';
const name = (pa: PeerAuthentication) => `${pa.metadata.namespace}/${pa.metadata.name}`;

/** Two selectors can pick the same workload unless some label must have two different values. */
function selectorsOverlap(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  return Object.entries(a).every(([k, v]) => b[k] === undefined || b[k] === v);
}

/**
 * Istio resolves these by creation time, which Trellis does not keep: two mesh-wide or two
 * namespace-wide policies, or overlapping selectors with different modes, leave the mode ambiguous.
 */
export const conflictingPeerAuthentication: Analyzer = {
  code: 'TRL0111',
  title: 'conflicting PeerAuthentication',
  run(view) {
    const findings: Finding[] = [];
    const policies = view.of('PeerAuthentication');
    const wide = new Map<string, PeerAuthentication[]>();
    const selective: PeerAuthentication[] = [];
    for (const pa of policies) {
      const selector = pa.spec.selector?.matchLabels;
      if (selector && Object.keys(selector).length > 0) selective.push(pa);
      else {
        const scope = isRootNamespace(pa.metadata.namespace) ? 'mesh-wide' : `namespace-wide in ${pa.metadata.namespace}`;
        wide.set(scope, [...(wide.get(scope) ?? []), pa]);
      }
    }
    for (const [scope, list] of wide) {
      if (list.length < 2) continue;
      for (const pa of list) {
        const others = list.filter((o) => o !== pa);
        findings.push({
          code: this.code,
          message: `more than one ${scope} PeerAuthentication (${others.map(name).join(', ')}); which one applies is undefined, keep one`,
          resource: keyOf(pa),
          path: 'spec',
          related: others.map(keyOf),
        });
      }
    }
    for (const pa of selective) {
      const clashing = selective.filter(
        (o) => o !== pa && o.metadata.namespace === pa.metadata.namespace && modeOf(o) !== modeOf(pa) && selectorsOverlap(pa.spec.selector!.matchLabels!, o.spec.selector!.matchLabels!),
      );
      if (clashing.length === 0) continue;
      findings.push({
        code: this.code,
        message: `selector overlaps ${clashing.map((o) => `${name(o)} (mode ${modeOf(o)})`).join(', ')} with a different mode (${modeOf(pa)}); a workload matching both gets either, make the selectors disjoint`,
        resource: keyOf(pa),
        path: 'spec.selector.matchLabels',
        related: clashing.map(keyOf),
      });
    }
    return findings;
  },
};
