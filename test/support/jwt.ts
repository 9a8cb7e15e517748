import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

/** An ES256 signing key for test tokens, with its public JWKS. */
export interface JwtIssuer {
  issuer: string;
  /** `{"keys":[...]}` with the public key, for RequestAuthentication `jwks`. */
  jwks: string;
  /** A signed JWT for these claims (`iss` defaults to the issuer, `exp` to an hour from now). */
  token(claims: Record<string, unknown>): string;
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

function signer(privateKey: KeyObject, kid: string) {
  return (claims: Record<string, unknown>) => {
    const header = b64url(JSON.stringify({ alg: 'ES256', typ: 'JWT', kid }));
    const payload = b64url(JSON.stringify(claims));
    const signature = sign('sha256', Buffer.from(`${header}.${payload}`), { key: privateKey, dsaEncoding: 'ieee-p1363' });
    return `${header}.${payload}.${b64url(signature)}`;
  };
}

/** A fresh P-256 key pair named `kid`, signing as `issuer`. */
export function createJwtIssuer(issuer: string, kid = 'test-key'): JwtIssuer {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' };
  const signClaims = signer(privateKey, kid);
  const now = () => Math.floor(Date.now() / 1000);
  return {
    issuer,
    jwks: JSON.stringify({ keys: [jwk] }),
    token: (claims) => signClaims({ iss: issuer, iat: now(), exp: now() + 3600, ...claims }),
  };
}
