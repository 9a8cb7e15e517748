import type { FieldError } from './result.ts';

/** Root of Trellis domain errors; the API maps each subclass to one HTTP status. */
export class TrellisError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Input that fails schema or semantic validation. Nothing was stored. */
export class ValidationError extends TrellisError {
  constructor(
    message: string,
    readonly errors: FieldError[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class NotFoundError extends TrellisError {}

/** The thing already exists, or the request conflicts with current state. */
export class ConflictError extends TrellisError {}

/** An optimistic-concurrency check failed (stale resourceVersion / ETag). */
export class PreconditionFailedError extends TrellisError {
  constructor(
    message: string,
    readonly currentVersion?: string,
  ) {
    super(message);
  }
}

/** A size or count limit was exceeded (body, documents, item size, transaction size). */
export class LimitExceededError extends TrellisError {}

export class UnauthorizedError extends TrellisError {}

export class ForbiddenError extends TrellisError {}
