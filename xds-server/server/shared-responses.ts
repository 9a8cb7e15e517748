import { randomBytes } from 'node:crypto';

interface Shared {
  nonce: string;
  bytes: Buffer;
}

/**
 * Responses encoded once and written to every stream that gets the same one: a state-of-the-world
 * response of a full-state type (clusters, listeners), whose version is the hash of the names and
 * versions it carries, and a delta stream's first response of a wildcard type, which carries
 * everything its scope serves. The caller names the content by such a version. In a connection
 * storm every proxy of a group gets the same clusters and listeners; encoding and allocating
 * ~70 KB per stream for them was a large part of the storm's garbage.
 *
 * The nonce is part of the shared bytes. It is unique among the server's responses, and equal
 * nonces always carry equal content. A stream is never sent one nonce twice in a row: the caller
 * passes the stream's last nonce for the type and, on a match, encodes a response of its own.
 */
export class SharedResponses {
  private readonly entries = new Map<string, Shared>();
  private size = 0;
  private sequence = 0;
  private readonly prefix = randomBytes(4).toString('hex');

  constructor(
    /** Encoded bytes held at most; the least recently used go first, and a response over a quarter of it is never held. */
    private readonly maxBytes = 16 * 1024 * 1024,
  ) {}

  /** Bytes held (for tests and metrics). */
  get heldBytes(): number {
    return this.size;
  }

  /**
   * The response for `key`, encoded by `encode` with the nonce given the first time; undefined when
   * it is the one the stream was sent last (`lastNonce`) or too large to hold: encode it per stream.
   */
  response(key: string, lastNonce: string, encode: (nonce: string) => Buffer): Shared | undefined {
    let shared = this.entries.get(key);
    if (shared) {
      this.entries.delete(key);
      this.entries.set(key, shared);
    } else {
      const nonce = `${this.prefix}.${++this.sequence}`;
      shared = { nonce, bytes: encode(nonce) };
      if (shared.bytes.byteLength > this.maxBytes / 4) return undefined;
      this.entries.set(key, shared);
      this.size += shared.bytes.byteLength;
      for (const [oldest, entry] of this.entries) {
        if (this.size <= this.maxBytes) break;
        this.entries.delete(oldest);
        this.size -= entry.bytes.byteLength;
      }
    }
    return shared.nonce === lastNonce ? undefined : shared;
  }
}
