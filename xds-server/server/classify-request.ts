/** The one decision the server makes about each request, before anything else. */
export type RequestKind = 'initial' | 'update' | 'ack' | 'nack' | 'stale';

interface NonceCarrier {
  response_nonce: string;
  error_detail?: { message?: string } | null;
}

/**
 * State of the world: no nonce starts (or restarts) a type; a nonce other than the last one
 * sent is stale and ignored; otherwise `error_detail` tells a NACK from an ACK.
 */
export function classifySotwRequest(lastNonceSent: string | undefined, request: NonceCarrier): RequestKind {
  if (!request.response_nonce) return 'initial';
  if (request.response_nonce !== lastNonceSent) return 'stale';
  return request.error_detail ? 'nack' : 'ack';
}

/**
 * Incremental: several responses may be in flight, so any pending nonce may be answered; an
 * unknown nonce is stale (its subscription changes still count, they are deltas).
 */
export function classifyDeltaRequest(isFirst: boolean, isPending: (nonce: string) => boolean, request: NonceCarrier): RequestKind {
  if (!request.response_nonce) return isFirst ? 'initial' : 'update';
  if (!isPending(request.response_nonce)) return 'stale';
  return request.error_detail ? 'nack' : 'ack';
}
