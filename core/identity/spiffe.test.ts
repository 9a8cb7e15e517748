import { describe, expect, it } from 'vitest';
import { buildSpiffeId, defaultTrustDomain, isSpiffeId, parseSpiffeId } from './spiffe.ts';

describe('SPIFFE IDs', () => {
  it('builds and parses a workload ID', () => {
    const built = buildSpiffeId({ trustDomain: 'prod.acme.trellis.local', namespace: 'shop', serviceAccount: 'cart-v2' });
    expect(built).toEqual({ ok: true, value: 'spiffe://prod.acme.trellis.local/ns/shop/sa/cart-v2' });
    expect(parseSpiffeId('spiffe://prod.acme.trellis.local/ns/shop/sa/cart-v2')).toEqual({
      ok: true,
      value: { trustDomain: 'prod.acme.trellis.local', namespace: 'shop', serviceAccount: 'cart-v2' },
    });
  });

  it.each([
    ['', 'is required'],
    ['http://td/ns/a/sa/b', 'must start with spiffe://'],
    ['spiffe://td/ns/a/sa/b?x=1', 'must not contain a query or fragment'],
    ['spiffe://td/ns/a/sa/b#frag', 'must not contain a query or fragment'],
    ['spiffe://td/ns/a/sa/b/extra', 'must have the form'],
    ['spiffe://td/ns/a/sa/', 'must have the form'],
    ['spiffe://td/ns/a/sa/b/', 'must have the form'],
    ['spiffe://td//ns/a/sa/b', 'must have the form'],
    ['spiffe://td/namespace/a/sa/b', 'must have the form'],
    ['spiffe://td/ns/a/b/c/sa/d', 'must have the form'],
    ['SPIFFE://td/ns/a/sa/b', 'must start with spiffe://'],
    [`spiffe://td/ns/a/sa/${'b'.repeat(2100)}`, 'at most 2048'],
  ])('rejects %j', (id, message) => {
    const result = parseSpiffeId(id);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]?.message).toContain(message);
  });

  it.each([
    ['spiffe://Prod.td/ns/a/sa/b', 'spiffeId.trustDomain'],
    ['spiffe://td:8443/ns/a/sa/b', 'spiffeId.trustDomain'],
    ['spiffe://user@td/ns/a/sa/b', 'spiffeId.trustDomain'],
    ['spiffe://td./ns/a/sa/b', 'spiffeId.trustDomain'],
    ['spiffe://td/ns/A/sa/b', 'spiffeId.namespace'],
    ['spiffe://td/ns/-a/sa/b', 'spiffeId.namespace'],
    ['spiffe://td/ns/a%2Fb/sa/b', 'spiffeId.namespace'],
    [`spiffe://td/ns/${'a'.repeat(64)}/sa/b`, 'spiffeId.namespace'],
    ['spiffe://td/ns/a/sa/b.c', 'spiffeId.serviceAccount'],
    ['spiffe://td/ns/a/sa/b_c', 'spiffeId.serviceAccount'],
  ])('names the bad part of %j', (id, path) => {
    const result = parseSpiffeId(id);
    expect(result).toMatchObject({ ok: false, errors: [{ path }] });
  });

  it('reports every bad part when building', () => {
    const result = buildSpiffeId({ trustDomain: 'TD', namespace: '', serviceAccount: 'ok' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.map((e) => e.path)).toEqual(['trustDomain', 'namespace']);
  });

  it('never throws on non-string input', () => {
    expect(parseSpiffeId(undefined as unknown as string).ok).toBe(false);
    expect(isSpiffeId('spiffe://a.b/ns/c/sa/d')).toBe(true);
  });

  it('derives one trust domain per tenant mesh', () => {
    expect(defaultTrustDomain('acme', 'prod')).toEqual({ ok: true, value: 'prod.acme.trellis.local' });
    expect(defaultTrustDomain('Acme', 'prod.x')).toMatchObject({ ok: false, errors: [{ path: 'tenant' }, { path: 'mesh' }] });
  });
});
