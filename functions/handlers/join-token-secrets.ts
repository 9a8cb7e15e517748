import { MIN_JOIN_TOKEN_SECRET_BYTES } from '../../core/identity/join-token.ts';

/**
 * The join-token signing keys held in one Secrets Manager secret: one key per line, the first
 * signs and every one verifies, so an operator rotates by putting the new key on top and
 * dropping the old one once its tokens have expired. Each key is used as its UTF-8 bytes
 * (the CDK app generates 64 letters and digits, about 380 bits).
 */
export function parseJoinTokenSecrets(secretString: string, secretId: string): Uint8Array[] {
  const keys = secretString
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => Buffer.from(line, 'utf8'));
  if (keys.length === 0) throw new Error(`secret ${secretId} holds no join token signing key`);
  if (keys.some((k) => k.byteLength < MIN_JOIN_TOKEN_SECRET_BYTES)) throw new Error(`every join token signing key in secret ${secretId} must be at least ${MIN_JOIN_TOKEN_SECRET_BYTES} bytes`);
  return keys;
}
