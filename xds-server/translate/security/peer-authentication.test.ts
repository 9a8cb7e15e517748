import { describe, expect, it } from 'vitest';
import type { TranslationIssue } from '../translation-result.ts';
import { effectiveMtls } from './peer-authentication.ts';
import type { PeerAuthenticationEntry } from './security-policies.ts';

const pa = (namespace: string, name: string, spec: PeerAuthenticationEntry['spec']): PeerAuthenticationEntry => ({ source: `PeerAuthentication/${namespace}/${name}`, namespace, spec });
const reviews = { namespace: 'shop', labels: { app: 'reviews' } };

describe('effective PeerAuthentication mode', () => {
  it.each<[string, PeerAuthenticationEntry[], string]>([
    ['nothing set: PERMISSIVE', [], 'PERMISSIVE'],
    ['mesh-wide in trellis-system', [pa('trellis-system', 'default', { mtls: { mode: 'STRICT' } })], 'STRICT'],
    ['mesh-wide in istio-system', [pa('istio-system', 'default', { mtls: { mode: 'DISABLE' } })], 'DISABLE'],
    ['namespace over mesh', [pa('istio-system', 'default', { mtls: { mode: 'STRICT' } }), pa('shop', 'default', { mtls: { mode: 'PERMISSIVE' } })], 'PERMISSIVE'],
    ['UNSET workload inherits the namespace', [pa('shop', 'default', { mtls: { mode: 'STRICT' } }), pa('shop', 'w', { selector: { matchLabels: { app: 'reviews' } }, mtls: { mode: 'UNSET' } })], 'STRICT'],
    ['port level over workload', [pa('shop', 'w', { selector: { matchLabels: { app: 'reviews' } }, mtls: { mode: 'STRICT' }, portLevelMtls: { '9080': { mode: 'DISABLE' } } })], 'DISABLE'],
    ['another port level leaves this port alone', [pa('shop', 'w', { selector: { matchLabels: { app: 'reviews' } }, mtls: { mode: 'STRICT' }, portLevelMtls: { '9090': { mode: 'DISABLE' } } })], 'STRICT'],
    ['a selector for other workloads does not apply', [pa('shop', 'w', { selector: { matchLabels: { app: 'details' } }, mtls: { mode: 'STRICT' } })], 'PERMISSIVE'],
    ['another namespace does not apply', [pa('web', 'default', { mtls: { mode: 'STRICT' } })], 'PERMISSIVE'],
    ['a root-namespace selector applies only in the root namespace', [pa('trellis-system', 'w', { selector: { matchLabels: { app: 'reviews' } }, mtls: { mode: 'STRICT' } })], 'PERMISSIVE'],
  ])('%s', (_name, policies, mode) => {
    expect(effectiveMtls(policies, reviews, 9080, []).mode).toBe(mode);
  });

  it('keeps the first of two namespace-wide policies and reports the other', () => {
    const issues: TranslationIssue[] = [];
    const result = effectiveMtls([pa('shop', 'a', { mtls: { mode: 'STRICT' } }), pa('shop', 'b', { mtls: { mode: 'DISABLE' } })], reviews, 9080, issues);
    expect(result).toEqual({ mode: 'STRICT', source: 'PeerAuthentication/shop/a' });
    expect(issues).toEqual([expect.objectContaining({ resource: 'PeerAuthentication/shop/b' })]);
  });
});
