import { createHash, randomBytes } from 'node:crypto';

/** The secret is returned once at creation; only its SHA-256 is stored. */
export interface NewApiKey {
  id: string;
  secret: string;
  hash: string;
}

/** Generated keys look like `trellis_<id>_<secret>`; operator-chosen bootstrap keys only need this shape. */
const KEY_SHAPE = /^[A-Za-z0-9_.~+/=-]{20,200}$/;

export function hashApiKey(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function generateApiKey(): NewApiKey {
  const id = randomBytes(8).toString('hex');
  const secret = `trellis_${id}_${randomBytes(32).toString('base64url')}`;
  return { id, secret, hash: hashApiKey(secret) };
}

/** Why a chosen key could never authenticate (the shape every presented key must have), or undefined. */
export function apiKeyShapeProblem(secret: string): string | undefined {
  if (secret.length < 20 || secret.length > 200) return `it is ${secret.length} characters; an API key is 20 to 200`;
  if (!KEY_SHAPE.test(secret)) return 'it may hold only letters, digits and . _ ~ + / = -';
  return undefined;
}

/** Whether a presented key is shaped like one: lets garbage fail before any lookup. */
export function isApiKeyShaped(secret: string): boolean {
  return KEY_SHAPE.test(secret);
}

/** The id of an operator-chosen key (no id embedded): derived from its hash. */
export function derivedKeyId(secret: string): string {
  return hashApiKey(secret).slice(0, 16);
}
