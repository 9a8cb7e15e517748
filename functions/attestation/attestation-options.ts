/** How the certificate API reaches the outside world to check attestations. */
export interface AttestationOptions {
  /**
   * STS endpoints (origins) Trellis sends signed GetCallerIdentity requests to, instead of the
   * public AWS ones (an emulator in tests, a VPC endpoint in production).
   */
  stsEndpoints?: readonly string[];
  /** Lets registrations fetch JWKS over plain http from loopback (tests only). */
  allowLoopbackJwksUri?: boolean;
  /** A stand-in fetch (tests). */
  fetch?: typeof fetch;
}

/** Bounds of every outbound call: none may hang a certificate request or flood memory. */
export const OUTBOUND_TIMEOUT_MS = 5000;
export const MAX_OUTBOUND_RESPONSE_BYTES = 64 * 1024;

/** Reads at most `limit` bytes of a response body; more is an error, not a truncation. */
export async function boundedText(res: Response, limit = MAX_OUTBOUND_RESPONSE_BYTES): Promise<string | undefined> {
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > limit) return undefined;
  const reader = res.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
