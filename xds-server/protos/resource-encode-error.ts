import type { FieldError } from '../../core/result.ts';

/** A resource object that does not match its Envoy message type; `errors` name each field path. */
export class ResourceEncodeError extends Error {
  constructor(
    readonly typeUrl: string,
    readonly resourceName: string,
    readonly errors: FieldError[],
  ) {
    const shortType = typeUrl.slice(typeUrl.lastIndexOf('.') + 1);
    const detail = errors.map((e) => `${e.path || '(root)'}: ${e.message}`).join('; ');
    super(`${shortType} "${resourceName}" cannot be encoded: ${detail}`);
    this.name = 'ResourceEncodeError';
  }
}
