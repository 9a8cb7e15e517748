/** A field-level problem: `path` is a dotted/indexed JSON path such as `spec.http[0].route[1].weight`. */
export interface FieldError {
  path: string;
  message: string;
}

/** Validation returns a value instead of throwing. */
export type Result<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T = never>(errors: FieldError[]): Result<T> => ({ ok: false, errors });
