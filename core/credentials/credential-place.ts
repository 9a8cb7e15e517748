import { ValidationError } from '../errors.ts';
import { isDnsLabel } from '../identity/dns-label.ts';
import { fail, ok, type FieldError, type Result } from '../result.ts';

/** Where a credential lives: tenant and mesh, and within the mesh its namespace and name. */
export interface CredentialPlace {
  tenantId: string;
  mesh: string;
  namespace?: string;
  name?: string;
}

/**
 * Every part must be a DNS label: stores turn them into file paths and keys, so a `..`, `/` or
 * `#` must never get that far, whoever calls.
 */
export function validateCredentialPlace(place: CredentialPlace): Result<CredentialPlace> {
  const errors: FieldError[] = [];
  for (const [path, value] of Object.entries(place)) {
    if (value === undefined) continue;
    if (typeof value !== 'string' || !isDnsLabel(value)) errors.push({ path, message: 'must be a DNS label (lower-case letters, digits and "-", at most 63 characters)' });
  }
  return errors.length > 0 ? fail(errors) : ok(place);
}

/** The place, or a ValidationError naming each part that is not a DNS label. */
export function requireCredentialPlace(place: CredentialPlace): void {
  const checked = validateCredentialPlace(place);
  if (!checked.ok) throw new ValidationError(`invalid credential place: ${checked.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, checked.errors);
}
