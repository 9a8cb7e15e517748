import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createJoinToken, JOIN_TOKEN_ERRORS, MAX_JOIN_TOKEN_TTL_SECONDS, verifyJoinToken } from './join-token.ts';
import type { IssuedJoinToken, JoinScope } from './join-token.ts';

const secret = Buffer.alloc(32, 7);
const otherSecret = Buffer.alloc(32, 9);
const scope: JoinScope = { tenant: 'acme', mesh: 'prod', namespace: 'shop', serviceAccount: 'cart' };
const t0 = new Date('2026-01-01T00:00:00Z');
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

function issue(ttl = 600, now = t0): IssuedJoinToken {
  const result = createJoinToken(secret, scope, ttl, now);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.value;
}

const errorOf = (result: ReturnType<typeof verifyJoinToken>) => (result.ok ? undefined : result.errors[0]?.message);

describe('join tokens', () => {
  it('round-trips the scope, with a unique id and the expiry', () => {
    const a = issue();
    const b = issue();
    const verified = verifyJoinToken(secret, a.token, at(10));
    expect(verified).toEqual({ ok: true, value: a.claims });
    expect(a.claims).toMatchObject({ ...scope, iat: 1767225600, exp: 1767225600 + 600 });
    expect(a.claims.jti).not.toBe(b.claims.jti);
    expect(a.token.startsWith('tjt1.')).toBe(true);
  });

  it('uses the injected randomness for the id', () => {
    const result = createJoinToken(secret, scope, 60, t0, (n) => new Uint8Array(n).fill(1));
    expect(result.ok && result.value.claims.jti).toBe(Buffer.alloc(16, 1).toString('base64url'));
  });

  it('expires at exp, not a second later', () => {
    const { token } = issue(60);
    expect(verifyJoinToken(secret, token, at(59)).ok).toBe(true);
    expect(errorOf(verifyJoinToken(secret, token, at(60)))).toBe(JOIN_TOKEN_ERRORS.expired);
  });

  it('is not yet valid when issued beyond the clock-skew allowance', () => {
    const { token } = issue(600, at(120));
    expect(verifyJoinToken(secret, token, at(100)).ok).toBe(true);
    expect(errorOf(verifyJoinToken(secret, token, at(0)))).toBe(JOIN_TOKEN_ERRORS.notYetValid);
  });

  it('rejects a token signed with another secret, or with a changed payload', () => {
    const { token } = issue();
    expect(errorOf(verifyJoinToken(otherSecret, token, t0))).toBe(JOIN_TOKEN_ERRORS.badSignature);
    const [prefix, payload, sig] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, serviceAccount: 'admin' })).toString('base64url');
    expect(errorOf(verifyJoinToken(secret, `${prefix}.${forged}.${sig}`, t0))).toBe(JOIN_TOKEN_ERRORS.badSignature);
    expect(errorOf(verifyJoinToken(secret, `${prefix}.${payload}.${sig.startsWith('A') ? 'B' : 'A'}${sig.slice(1)}`, t0))).toBe(JOIN_TOKEN_ERRORS.badSignature);
  });

  it('accepts any of several secrets while the secret rotates', () => {
    const { token } = issue();
    expect(verifyJoinToken([otherSecret, secret], token, t0).ok).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['two parts', 'tjt1.abc'],
    ['four parts', 'tjt1.a.b.c'],
    ['another prefix', 'jwt1.abc.def'],
    ['not base64url', 'tjt1.a+b.c/d'],
    ['too long', `tjt1.${'a'.repeat(2000)}.abc`],
  ])('rejects a malformed token (%s)', (_, token) => {
    expect(errorOf(verifyJoinToken(secret, token, t0))).toBe(JOIN_TOKEN_ERRORS.malformed);
  });

  it('rejects a validly signed payload with bad claims as malformed', () => {
    const { token } = issue();
    const [, payload] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    for (const bad of [{ ...claims, namespace: 'Bad' }, { ...claims, exp: 'soon' }, { ...claims, jti: undefined }, [claims]]) {
      const signed = createSigned(bad);
      expect(errorOf(verifyJoinToken(secret, signed, t0))).toBe(JOIN_TOKEN_ERRORS.malformed);
    }
  });

  it('rejects a non-canonical signature encoding', () => {
    const { token } = issue();
    // 32 bytes in base64url leave 2 spare bits in the last character; setting them keeps the bytes.
    const last = token.at(-1) as string;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const twin = alphabet[alphabet.indexOf(last) | 1] as string;
    if (twin === last) return;
    expect(errorOf(verifyJoinToken(secret, token.slice(0, -1) + twin, t0))).toBe(JOIN_TOKEN_ERRORS.malformed);
  });

  it('validates scope and ttl when creating, with field paths', () => {
    const result = createJoinToken(secret, { ...scope, namespace: 'Shop', serviceAccount: '' }, MAX_JOIN_TOKEN_TTL_SECONDS + 1, t0);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.map((e) => e.path)).toEqual(['namespace', 'serviceAccount', 'ttlSeconds']);
    expect(createJoinToken(secret, scope, 1.5, t0).ok).toBe(false);
  });

  it('refuses a short secret', () => {
    expect(() => createJoinToken(Buffer.alloc(8), scope, 60, t0)).toThrow(RangeError);
    expect(() => verifyJoinToken([], 'x', t0)).toThrow(RangeError);
  });
});

/** Signs an arbitrary payload the way the issuer does, to reach the claim checks behind the MAC. */
function createSigned(payload: unknown): string {
  const signedPart = `tjt1.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return `${signedPart}.${createHmacB64(signedPart)}`;
}

function createHmacB64(data: string): string {
  return createHmac('sha256', secret).update(data).digest('base64url');
}
