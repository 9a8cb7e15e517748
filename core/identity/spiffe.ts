import { fail, ok } from '../result.ts';
import type { FieldError, Result } from '../result.ts';
import { isDnsLabel, isDnsName } from './dns-label.ts';

/** The parts of a Trellis workload SPIFFE ID. */
export interface WorkloadIdentity {
  trustDomain: string;
  namespace: string;
  serviceAccount: string;
}

const SCHEME = 'spiffe://';
/** The SPIFFE spec caps an ID at 2048 bytes; ours are far shorter, so this only bounds work. */
export const MAX_SPIFFE_ID_LENGTH = 2048;
const SHAPE = /^spiffe:\/\/([^/]+)\/ns\/([^/]+)\/sa\/([^/]+)$/;

/** Validates each part and reports every bad one with its field path. */
function checkParts(identity: WorkloadIdentity, prefix: string): FieldError[] {
  const errors: FieldError[] = [];
  if (!isDnsName(identity.trustDomain)) {
    errors.push({ path: `${prefix}trustDomain`, message: 'must be a lower-case DNS name (labels of a-z, 0-9 and -, separated by dots)' });
  }
  if (!isDnsLabel(identity.namespace)) {
    errors.push({ path: `${prefix}namespace`, message: 'must be a DNS label: 1-63 characters of a-z, 0-9 and -, starting and ending with a letter or digit' });
  }
  if (!isDnsLabel(identity.serviceAccount)) {
    errors.push({ path: `${prefix}serviceAccount`, message: 'must be a DNS label: 1-63 characters of a-z, 0-9 and -, starting and ending with a letter or digit' });
  }
  return errors;
}

export function buildSpiffeId(identity: WorkloadIdentity): Result<string> {
  const errors = checkParts(identity, '');
  if (errors.length > 0) return fail(errors);
  return ok(`${SCHEME}${identity.trustDomain}/ns/${identity.namespace}/sa/${identity.serviceAccount}`);
}

/** Parses `spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>` exactly; anything else is an error. */
export function parseSpiffeId(id: string, path = 'spiffeId'): Result<WorkloadIdentity> {
  if (typeof id !== 'string' || id.length === 0) return fail([{ path, message: 'is required' }]);
  if (id.length > MAX_SPIFFE_ID_LENGTH) return fail([{ path, message: `must be at most ${MAX_SPIFFE_ID_LENGTH} characters` }]);
  if (!id.startsWith(SCHEME)) return fail([{ path, message: 'must start with spiffe://' }]);
  if (/[?#]/.test(id)) return fail([{ path, message: 'must not contain a query or fragment' }]);
  const match = SHAPE.exec(id);
  if (!match) return fail([{ path, message: 'must have the form spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>' }]);
  const identity: WorkloadIdentity = { trustDomain: match[1] ?? '', namespace: match[2] ?? '', serviceAccount: match[3] ?? '' };
  const errors = checkParts(identity, `${path}.`);
  return errors.length > 0 ? fail(errors) : ok(identity);
}

export function isSpiffeId(id: string): boolean {
  return parseSpiffeId(id).ok;
}

/** One trust domain per tenant mesh: `<mesh>.<tenant>.trellis.local`. */
export function defaultTrustDomain(tenant: string, mesh: string): Result<string> {
  const errors: FieldError[] = [];
  if (!isDnsLabel(tenant)) errors.push({ path: 'tenant', message: 'must be a DNS label to form a trust domain' });
  if (!isDnsLabel(mesh)) errors.push({ path: 'mesh', message: 'must be a DNS label to form a trust domain' });
  if (errors.length > 0) return fail(errors);
  return ok(`${mesh}.${tenant}.trellis.local`);
}
