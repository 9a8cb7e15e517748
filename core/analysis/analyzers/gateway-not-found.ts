import type { Analyzer } from '../analyzer.ts';
import type { Finding } from '../finding.ts';
import { keyOf } from '../../resources/resource.ts';

/** `gateways` entries are `name` (same namespace) or `namespace/name`; `mesh` means the sidecars. */
function gatewayKey(ref: string, namespace: string): string {
  return ref.includes('/') ? ref : `${namespace}/${ref}`;
}

/** A VirtualService bound to a Gateway that does not exist: those rules apply nowhere. */
export const gatewayNotFound: Analyzer = {
  code: 'TRL0107',
  title: 'gateway not found',
  run(view) {
    const gateways = new Set(view.of('Gateway').map((g) => `${g.metadata.namespace}/${g.metadata.name}`));
    const findings: Finding[] = [];
    for (const vs of view.of('VirtualService')) {
      const check = (ref: string, path: string) => {
        if (ref === 'mesh' || gateways.has(gatewayKey(ref, vs.metadata.namespace))) return;
        findings.push({ code: this.code, message: `gateway "${ref}" (${gatewayKey(ref, vs.metadata.namespace)}) does not exist; rules bound to it apply nowhere`, resource: keyOf(vs), path });
      };
      (vs.spec.gateways ?? []).forEach((ref, i) => check(ref, `spec.gateways[${i}]`));
      (vs.spec.http ?? []).forEach((route, i) => (route.match ?? []).forEach((m, j) => (m.gateways ?? []).forEach((ref, k) => check(ref, `spec.http[${i}].match[${j}].gateways[${k}]`))));
    }
    return findings;
  },
};
