import { createHmac, randomBytes as nodeRandomBytes, timingSafeEqual } from 'node:crypto';
import { fail, ok } from '../result.ts';
import type { FieldError, Result } from '../result.ts';
import { isDnsLabel } from './dns-label.ts';

/*
 * Format: `tjt1.<base64url(JSON claims)>.<base64url(HMAC-SHA256(secret, "tjt1." + payload))>`.
 * HMAC rather than ES256: the API both issues and redeems tokens, so nobody else needs to verify
 * them, and a symmetric secret avoids key-pair management and is ~100x cheaper to check.
 * A fixed prefix (not a JWT header) means no algorithm negotiation and lets secret scanners spot leaks.
 */
const PREFIX = 'tjt1';
/** Real tokens are ~300 characters; anything far longer is refused before any work is done. */
export const MAX_JOIN_TOKEN_LENGTH = 1024;
/** Join tokens pay for one first certificate; a day is the longest we let one live. */
export const MAX_JOIN_TOKEN_TTL_SECONDS = 24 * 60 * 60;
/** Tolerates issuing and verifying hosts whose clocks disagree slightly. */
export const JOIN_TOKEN_CLOCK_SKEW_SECONDS = 30;
export const MIN_JOIN_TOKEN_SECRET_BYTES = 32;

/** What a token entitles its bearer to: one identity in one tenant mesh. */
export interface JoinScope {
  tenant: string;
  mesh: string;
  namespace: string;
  serviceAccount: string;
}

export interface JoinClaims extends JoinScope {
  /** Unique token id; a store records it so each token is redeemed once. */
  jti: string;
  /** Issued at / expires at, seconds since the epoch. */
  iat: number;
  exp: number;
}

export interface IssuedJoinToken {
  token: string;
  claims: JoinClaims;
}

/** Stable messages so callers can tell the failures apart. */
export const JOIN_TOKEN_ERRORS = {
  malformed: 'is malformed',
  badSignature: 'has a bad signature',
  expired: 'has expired',
  notYetValid: 'is not yet valid',
} as const;

const SCOPE_FIELDS = ['tenant', 'mesh', 'namespace', 'serviceAccount'] as const;
const JTI = /^[A-Za-z0-9_-]{22}$/;

function checkSecret(secret: Uint8Array): void {
  // A short secret is a deployment bug, not bad input: fail loudly.
  if (secret.byteLength < MIN_JOIN_TOKEN_SECRET_BYTES) {
    throw new RangeError(`join token secret must be at least ${MIN_JOIN_TOKEN_SECRET_BYTES} bytes`);
  }
}

function mac(secret: Uint8Array, signedPart: string): Buffer {
  return createHmac('sha256', secret).update(signedPart).digest();
}

function checkScope(scope: JoinScope): FieldError[] {
  return SCOPE_FIELDS.filter((f) => typeof scope[f] !== 'string' || !isDnsLabel(scope[f])).map((f) => ({
    path: f,
    message: 'must be a DNS label: 1-63 characters of a-z, 0-9 and -, starting and ending with a letter or digit',
  }));
}

export function createJoinToken(
  secret: Uint8Array,
  scope: JoinScope,
  ttlSeconds: number,
  now: Date,
  randomBytes: (size: number) => Uint8Array = nodeRandomBytes,
): Result<IssuedJoinToken> {
  checkSecret(secret);
  const errors = checkScope(scope);
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_JOIN_TOKEN_TTL_SECONDS) {
    errors.push({ path: 'ttlSeconds', message: `must be an integer from 1 to ${MAX_JOIN_TOKEN_TTL_SECONDS}` });
  }
  if (errors.length > 0) return fail(errors);
  const iat = Math.floor(now.getTime() / 1000);
  const claims: JoinClaims = {
    jti: Buffer.from(randomBytes(16)).toString('base64url'),
    tenant: scope.tenant,
    mesh: scope.mesh,
    namespace: scope.namespace,
    serviceAccount: scope.serviceAccount,
    iat,
    exp: iat + ttlSeconds,
  };
  const signedPart = `${PREFIX}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return ok({ token: `${signedPart}.${mac(secret, signedPart).toString('base64url')}`, claims });
}

const malformed = (): Result<JoinClaims> => fail([{ path: 'token', message: JOIN_TOKEN_ERRORS.malformed }]);

function signatureMatches(secrets: readonly Uint8Array[], signedPart: string, signature: Buffer): boolean {
  let matched = false;
  // Check every secret (no early exit) so timing does not reveal which one matched.
  for (const secret of secrets) {
    const expected = mac(secret, signedPart);
    if (signature.length === expected.length && timingSafeEqual(signature, expected)) matched = true;
  }
  return matched;
}

function parseClaims(payload: string): JoinClaims | undefined {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const c = value as Record<string, unknown>;
  const isTime = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
  if (typeof c.jti !== 'string' || !JTI.test(c.jti) || !isTime(c.iat) || !isTime(c.exp) || c.exp <= c.iat) return undefined;
  if (SCOPE_FIELDS.some((f) => typeof c[f] !== 'string' || !isDnsLabel(c[f] as string))) return undefined;
  return { jti: c.jti, tenant: c.tenant as string, mesh: c.mesh as string, namespace: c.namespace as string, serviceAccount: c.serviceAccount as string, iat: c.iat, exp: c.exp };
}

/**
 * Checks structure, then the MAC (before parsing anything the caller sent), then the time window.
 * `secret` may be several secrets while the server secret is being rotated.
 */
export function verifyJoinToken(secret: Uint8Array | readonly Uint8Array[], token: string, now: Date): Result<JoinClaims> {
  const secrets = secret instanceof Uint8Array ? [secret] : secret;
  if (secrets.length === 0) throw new RangeError('at least one join token secret is required');
  secrets.forEach(checkSecret);
  if (typeof token !== 'string' || token.length > MAX_JOIN_TOKEN_LENGTH) return malformed();
  const parts = token.split('.');
  const [prefix, payload, signature] = parts;
  const b64url = /^[A-Za-z0-9_-]+$/;
  if (parts.length !== 3 || prefix !== PREFIX || !payload || !signature || !b64url.test(payload) || !b64url.test(signature)) {
    return malformed();
  }
  const signatureBytes = Buffer.from(signature, 'base64url');
  // Only the canonical encoding is accepted, so one token has exactly one spelling.
  if (signatureBytes.toString('base64url') !== signature) return malformed();
  if (!signatureMatches(secrets, `${prefix}.${payload}`, signatureBytes)) {
    return fail([{ path: 'token', message: JOIN_TOKEN_ERRORS.badSignature }]);
  }
  const claims = parseClaims(payload);
  if (!claims) return malformed();
  const nowSeconds = Math.floor(now.getTime() / 1000);
  if (claims.iat > nowSeconds + JOIN_TOKEN_CLOCK_SKEW_SECONDS) return fail([{ path: 'token', message: JOIN_TOKEN_ERRORS.notYetValid }]);
  if (nowSeconds >= claims.exp) return fail([{ path: 'token', message: JOIN_TOKEN_ERRORS.expired }]);
  return ok(claims);
}
