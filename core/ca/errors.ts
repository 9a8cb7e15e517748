import { TrellisError } from '../errors.ts';

/** The CA backend failed in a way the caller cannot fix by changing the request. */
export class CertificateAuthorityError extends TrellisError {}

/** The CA backend is busy, throttling or slow; the same request may succeed later. */
export class CertificateAuthorityUnavailableError extends CertificateAuthorityError {}
