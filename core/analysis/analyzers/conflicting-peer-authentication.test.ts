import { describe, expect, it } from 'vitest';
import { docs, run } from '../testing/mesh.ts';
import { conflictingPeerAuthentication } from './conflicting-peer-authentication.ts';

const pa = (name: string, namespace: string, mode: string, selector = '') => `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: ${name}, namespace: ${namespace} }
spec:
${selector}  mtls: { mode: ${mode} }
`;

describe('TRL0111 conflicting PeerAuthentication', () => {
  it('fires for two mesh-wide policies and for overlapping selectors with different modes', () => {
    const findings = run(
      conflictingPeerAuthentication,
      docs(pa('a', 'istio-system', 'STRICT'), pa('b', 'trellis-system', 'PERMISSIVE'), pa('c', 'shop', 'STRICT', '  selector: { matchLabels: { app: cart } }\n'), pa('d', 'shop', 'DISABLE', '  selector: { matchLabels: { tier: web } }\n')),
    );
    expect(findings.map((f) => [f.resource.name, f.path])).toEqual([
      ['a', 'spec'],
      ['b', 'spec'],
      ['c', 'spec.selector.matchLabels'],
      ['d', 'spec.selector.matchLabels'],
    ]);
  });

  it('does not fire for one policy per scope and disjoint selectors', () => {
    const yaml = docs(pa('a', 'istio-system', 'STRICT'), pa('b', 'shop', 'PERMISSIVE'), pa('c', 'shop', 'STRICT', '  selector: { matchLabels: { app: cart } }\n'), pa('d', 'shop', 'DISABLE', '  selector: { matchLabels: { app: legacy } }\n'));
    expect(run(conflictingPeerAuthentication, yaml)).toEqual([]);
  });
});
