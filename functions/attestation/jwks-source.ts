import type { JsonWebKey } from 'node:crypto';
import { MAX_JWKS_KEYS, type EksClusterRegistration } from '../../core/identity/attestation/registrations.ts';
import { UnauthorizedError } from '../../core/errors.ts';
import { boundedText, OUTBOUND_TIMEOUT_MS, type AttestationOptions } from './attestation-options.ts';

/** How long fetched keys are trusted before they are fetched again. */
const TTL_MS = 5 * 60_000;
/** A token whose key is missing triggers a refetch, at most this often per URI (key rotation, not a flood). */
const REFETCH_MIN_MS = 30_000;
const MAX_ENTRIES = 500;

interface Entry {
  keys: JsonWebKey[];
  fetchedAt: number;
}

const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);
/** Addresses a tenant must not make the API fetch from (instance metadata, the VPC, the host itself). */
const PRIVATE_ADDRESS = /^(localhost|127\.|10\.|169\.254\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|0\.|\[)/;

/** The signing keys of registered clusters: inline ones as given, remote ones fetched with bounds and cached. */
export class JwksSource {
  private readonly cache = new Map<string, Entry>();
  private readonly fetch: typeof fetch;

  constructor(
    private readonly options: AttestationOptions,
    private readonly now: () => Date,
  ) {
    this.fetch = options.fetch ?? fetch;
  }

  /** The keys to try; `kid` (of the token) not among cached keys refetches once, rate-limited. */
  async keysFor(cluster: EksClusterRegistration, kid: string | undefined): Promise<JsonWebKey[]> {
    if (cluster.jwks) return cluster.jwks.keys as JsonWebKey[];
    const uri = cluster.jwksUri!;
    const at = this.now().getTime();
    const cached = this.cache.get(uri);
    const fresh = cached && at - cached.fetchedAt < TTL_MS;
    const missingKid = cached && kid !== undefined && !cached.keys.some((k) => k.kid === kid) && at - cached.fetchedAt >= REFETCH_MIN_MS;
    if (fresh && !missingKid) return cached.keys;
    try {
      const keys = await this.download(uri);
      if (this.cache.size >= MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(uri, { keys, fetchedAt: at });
      return keys;
    } catch (err) {
      // Stale keys beat none while the issuer is briefly away.
      if (cached) return cached.keys;
      throw new UnauthorizedError(`The signing keys of ${cluster.issuer} could not be fetched from ${uri}: ${(err as Error).message}.`, { cause: err });
    }
  }

  private async download(uri: string): Promise<JsonWebKey[]> {
    const url = new URL(uri);
    const insecureAllowed = this.options.allowLoopbackJwksUri && url.protocol === 'http:' && LOOPBACK.has(url.hostname);
    if (url.protocol !== 'https:' && !insecureAllowed) throw new Error('only https JWKS URIs are fetched');
    if (!insecureAllowed && PRIVATE_ADDRESS.test(url.hostname)) throw new Error('JWKS URIs on loopback, link-local or private addresses are not fetched');
    const res = await this.fetch(url, { redirect: 'error', headers: { accept: 'application/json' }, signal: AbortSignal.timeout(OUTBOUND_TIMEOUT_MS) });
    if (res.status !== 200) throw new Error(`it answered HTTP ${res.status}`);
    const text = await boundedText(res);
    if (text === undefined) throw new Error('the answer is too large for a JWKS');
    const parsed = JSON.parse(text) as { keys?: unknown };
    if (!Array.isArray(parsed.keys) || parsed.keys.length === 0 || parsed.keys.length > MAX_JWKS_KEYS) throw new Error(`the answer is not a JWKS of 1-${MAX_JWKS_KEYS} keys`);
    return parsed.keys as JsonWebKey[];
  }
}
