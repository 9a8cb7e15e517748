import { generateKeyPairSync, sign, type JsonWebKey, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readServiceAccountToken, verifyServiceAccountToken } from './service-account-token.ts';

const ISSUER = 'https://oidc.eks.eu-west-1.amazonaws.com/id/ABC';
const NOW = new Date('2026-03-01T12:00:00Z');
const t = Math.floor(NOW.getTime() / 1000);
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

function keyPair(alg: 'ES256' | 'RS256', kid: string): { privateKey: KeyObject; jwk: JsonWebKey } {
  const pair = alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey: pair.privateKey, jwk: { ...pair.publicKey.export({ format: 'jwk' }), kid } };
}

function jwt(alg: 'ES256' | 'RS256', key: KeyObject, kid: string, claims: Record<string, unknown>): string {
  const input = `${b64({ alg, kid, typ: 'JWT' })}.${b64(claims)}`;
  const signature = alg === 'ES256' ? sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }) : sign('sha256', Buffer.from(input), key);
  return `${input}.${signature.toString('base64url')}`;
}

const podClaims = (over: Record<string, unknown> = {}) => ({
  iss: ISSUER,
  aud: ['trellis'],
  sub: 'system:serviceaccount:shop:checkout',
  iat: t - 10,
  nbf: t - 10,
  exp: t + 3600,
  'kubernetes.io': { namespace: 'shop', serviceaccount: { name: 'checkout', uid: 'u1' }, pod: { name: 'checkout-7d9', uid: 'p1' } },
  ...over,
});

function check(token: string, keys: JsonWebKey[], audience = 'trellis') {
  const read = readServiceAccountToken(token);
  if (!read.ok) return read;
  return verifyServiceAccountToken({ token: read.value, issuer: ISSUER, audience, keys, now: NOW });
}

describe('service-account token verification', () => {
  const es = keyPair('ES256', 'es-1');
  const rs = keyPair('RS256', 'rs-1');

  it.each(['ES256', 'RS256'] as const)('reads namespace and service account from a valid %s token', (alg) => {
    // Prepare
    const key = alg === 'ES256' ? es : rs;
    // Act
    const result = check(jwt(alg, key.privateKey, alg === 'ES256' ? 'es-1' : 'rs-1', podClaims()), [es.jwk, rs.jwk]);
    // Assess
    expect(result).toEqual({ ok: true, value: { issuer: ISSUER, subject: 'system:serviceaccount:shop:checkout', namespace: 'shop', serviceAccount: 'checkout', pod: 'checkout-7d9', expiresAt: new Date((t + 3600) * 1000) } });
  });

  it('refuses a token signed by a key the cluster does not have', () => {
    const other = keyPair('ES256', 'es-1');
    const result = check(jwt('ES256', other.privateKey, 'es-1', podClaims()), [es.jwk]);
    expect(result.ok ? '' : result.errors[0]!.message).toMatch(/signature that no key/);
  });

  it('refuses a token whose payload was changed after signing', () => {
    const [h, , s] = jwt('ES256', es.privateKey, 'es-1', podClaims()).split('.');
    const forged = `${h}.${b64(podClaims({ sub: 'system:serviceaccount:kube-system:admin' }))}.${s}`;
    expect(check(forged, [es.jwk]).ok).toBe(false);
  });

  it.each([
    ['expired', podClaims({ exp: t - 120 }), /has expired/],
    ['not yet valid', podClaims({ nbf: t + 600 }), /not yet valid/],
    ['issued in the future', podClaims({ iat: t + 600 }), /in the future/],
    ['without exp (legacy secret token)', podClaims({ exp: undefined }), /no expiry/],
    ['for another audience', podClaims({ aud: 'sts.amazonaws.com' }), /not for audience "trellis"/],
    ['of another issuer', podClaims({ iss: 'https://evil.example' }), /was issued by https:\/\/evil\.example/],
    ['without a service-account subject', podClaims({ sub: 'admin' }), /no service-account subject/],
    ['whose claims disagree on the namespace', podClaims({ 'kubernetes.io': { namespace: 'kube-system', serviceaccount: { name: 'checkout' } } }), /two different namespaces/],
  ])('refuses a token %s', (_name, claims, message) => {
    const result = check(jwt('ES256', es.privateKey, 'es-1', claims), [es.jwk]);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.errors[0]!.message).toMatch(message);
  });

  it('accepts a small clock skew on exp', () => {
    expect(check(jwt('ES256', es.privateKey, 'es-1', podClaims({ exp: t - 30 })), [es.jwk]).ok).toBe(true);
  });

  it('refuses alg none and HMAC, whatever the payload says', () => {
    const unsigned = `${b64({ alg: 'none' })}.${b64(podClaims())}.x`;
    const hmac = `${b64({ alg: 'HS256' })}.${b64(podClaims())}.eA`;
    expect(check(unsigned, [es.jwk]).ok).toBe(false);
    expect(readServiceAccountToken(hmac)).toMatchObject({ ok: false, errors: [{ message: expect.stringMatching(/only RS256 and ES256/) }] });
  });

  it('refuses what is not a JWT, and oversized input before parsing', () => {
    expect(readServiceAccountToken('abc').ok).toBe(false);
    expect(readServiceAccountToken('a'.repeat(9000)).ok).toBe(false);
  });
});
