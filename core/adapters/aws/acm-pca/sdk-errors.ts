import { ValidationError } from '../../../errors.ts';
import type { TrellisError } from '../../../errors.ts';
import { CertificateAuthorityError, CertificateAuthorityUnavailableError } from '../../../ca/errors.ts';

/** The CA is fine but busy, or the network hiccupped: the same request can succeed later. */
const TRANSIENT = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'LimitExceededException',
  'ServiceUnavailable',
  'InternalFailure',
  'RequestTimeout',
  'TimeoutError',
  'ECONNREFUSED',
  'ECONNRESET',
]);

function nameOf(err: unknown): string {
  if (typeof err !== 'object' || err === null) return '';
  const e = err as { name?: unknown; code?: unknown };
  return String(typeof e.code === 'string' ? e.code : e.name ?? '');
}

/**
 * Converts an ACM PCA SDK error into ours, keeping the original as `cause`.
 * Only a bad CSR is the caller's fault; a missing or disabled CA, denied access and the like
 * are our configuration problems, so they are CertificateAuthorityError rather than 404/403.
 */
export function fromAcmPcaError(err: unknown, action: string): TrellisError {
  const name = nameOf(err);
  const detail = err instanceof Error ? err.message : String(err);
  if (name === 'MalformedCSRException') {
    const error = new ValidationError(`invalid CSR: ${detail}`, [{ path: 'csr', message: `rejected by ACM PCA: ${detail}` }]);
    // ValidationError's constructor takes no options; keep the SDK error for debugging.
    Object.defineProperty(error, 'cause', { value: err, enumerable: false });
    return error;
  }
  const status = (err as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode ?? 0;
  if (TRANSIENT.has(name) || status >= 500) {
    return new CertificateAuthorityUnavailableError(`ACM PCA ${action} failed, retry later: ${name || detail}`, { cause: err });
  }
  return new CertificateAuthorityError(`ACM PCA ${action} failed: ${name ? `${name}: ` : ''}${detail}`, { cause: err });
}
