import { createPublicKey, verify, type JsonWebKey, type KeyObject } from 'node:crypto';
import { fail, ok } from '../../result.ts';
import type { Result } from '../../result.ts';

/** Projected tokens are about 1 KB; a far longer one is refused before any work. */
export const MAX_SERVICE_ACCOUNT_TOKEN_LENGTH = 8192;
/** Tolerates clocks of the cluster and of Trellis that disagree slightly. */
export const TOKEN_CLOCK_SKEW_SECONDS = 60;

const ALGORITHMS = { RS256: 'RSA', ES256: 'EC' } as const;
type Algorithm = keyof typeof ALGORITHMS;

/** A token split into its parts; nothing in it is trusted yet. */
export interface UnverifiedToken {
  alg: Algorithm;
  kid?: string;
  issuer: string;
  claims: Record<string, unknown>;
  signingInput: string;
  signature: Buffer;
}

/** What a verified Kubernetes service-account token says about its workload. */
export interface ServiceAccountIdentity {
  issuer: string;
  subject: string;
  namespace: string;
  serviceAccount: string;
  pod?: string;
  expiresAt: Date;
}

const problem = (message: string) => fail<never>([{ path: 'token', message }]);

function decodeJson(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Splits a compact JWS and reads its header and issuer, so the right cluster's keys can be found. */
export function readServiceAccountToken(token: string): Result<UnverifiedToken> {
  if (token.length > MAX_SERVICE_ACCOUNT_TOKEN_LENGTH) return problem(`is longer than ${MAX_SERVICE_ACCOUNT_TOKEN_LENGTH} characters`);
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) return problem('is not a JWT (three base64url parts)');
  const header = decodeJson(parts[0]!);
  const claims = decodeJson(parts[1]!);
  if (!header || !claims) return problem('is not a JWT (header or payload is not a JSON object)');
  // Only asymmetric algorithms: "none" and HMAC would let anyone who knows the public key sign.
  if (header.alg !== 'RS256' && header.alg !== 'ES256') return problem(`uses algorithm ${JSON.stringify(header.alg)}; only RS256 and ES256 are accepted`);
  if (header.crit !== undefined) return problem('has critical header parameters, which are not supported');
  if (typeof claims.iss !== 'string') return problem('has no issuer (iss)');
  return ok({
    alg: header.alg,
    ...(typeof header.kid === 'string' ? { kid: header.kid } : {}),
    issuer: claims.iss,
    claims,
    signingInput: `${parts[0]}.${parts[1]}`,
    signature: Buffer.from(parts[2]!, 'base64url'),
  });
}

function publicKeyOf(jwk: JsonWebKey): KeyObject | undefined {
  try {
    return createPublicKey({ key: jwk, format: 'jwk' });
  } catch {
    return undefined;
  }
}

function signatureValid(token: UnverifiedToken, keys: readonly JsonWebKey[]): boolean {
  const kty = ALGORITHMS[token.alg];
  const candidates = keys.filter((k) => k.kty === kty && (k.use === undefined || k.use === 'sig') && (k.alg === undefined || k.alg === token.alg) && (token.kid === undefined || k.kid === token.kid));
  return candidates.some((jwk) => {
    const key = publicKeyOf(jwk);
    if (!key) return false;
    if (token.alg === 'ES256') {
      if (key.asymmetricKeyDetails?.namedCurve !== 'prime256v1' || token.signature.length !== 64) return false;
      return verify('sha256', Buffer.from(token.signingInput), { key, dsaEncoding: 'ieee-p1363' }, token.signature);
    }
    return verify('sha256', Buffer.from(token.signingInput), key, token.signature);
  });
}

export interface VerifyServiceAccountTokenInput {
  token: UnverifiedToken;
  /** The registered cluster's issuer, audience and signing keys. */
  issuer: string;
  audience: string;
  keys: readonly JsonWebKey[];
  now: Date;
  skewSeconds?: number;
}

const SUBJECT = /^system:serviceaccount:([^:]+):([^:]+)$/;

/** Checks signature, issuer, audience and time, then reads namespace and service account from the claims. */
export function verifyServiceAccountToken(input: VerifyServiceAccountTokenInput): Result<ServiceAccountIdentity> {
  const { token, now } = input;
  const skew = input.skewSeconds ?? TOKEN_CLOCK_SKEW_SECONDS;
  if (token.issuer !== input.issuer) return problem(`was issued by ${token.issuer}, not ${input.issuer}`);
  if (!signatureValid(token, input.keys)) return problem(`has a signature that no key of ${input.issuer} verifies`);
  const c = token.claims;
  const audiences = typeof c.aud === 'string' ? [c.aud] : Array.isArray(c.aud) ? c.aud : [];
  if (!audiences.includes(input.audience)) return problem(`is not for audience "${input.audience}" (aud: ${JSON.stringify(c.aud ?? null)}); project the token with that audience`);
  const seconds = now.getTime() / 1000;
  if (typeof c.exp !== 'number') return problem('has no expiry (exp); use a projected service-account token, not a legacy secret token');
  if (c.exp + skew < seconds) return problem('has expired');
  if (typeof c.nbf === 'number' && c.nbf - skew > seconds) return problem('is not yet valid (nbf)');
  if (typeof c.iat === 'number' && c.iat - skew > seconds) return problem('was issued in the future (iat)');
  const subject = typeof c.sub === 'string' ? SUBJECT.exec(c.sub) : null;
  if (!subject) return problem('has no service-account subject (sub: system:serviceaccount:<namespace>:<name>)');
  const k8s = c['kubernetes.io'] as { namespace?: unknown; serviceaccount?: { name?: unknown }; pod?: { name?: unknown } } | undefined;
  // Both must agree where the token carries both: they are signed together, so a mismatch means a forged shape.
  if (k8s?.namespace !== undefined && k8s.namespace !== subject[1]) return problem('names two different namespaces (sub and kubernetes.io.namespace)');
  if (k8s?.serviceaccount?.name !== undefined && k8s.serviceaccount.name !== subject[2]) return problem('names two different service accounts (sub and kubernetes.io.serviceaccount.name)');
  return ok({
    issuer: token.issuer,
    subject: c.sub as string,
    namespace: subject[1]!,
    serviceAccount: subject[2]!,
    ...(typeof k8s?.pod?.name === 'string' ? { pod: k8s.pod.name } : {}),
    expiresAt: new Date(c.exp * 1000),
  });
}
