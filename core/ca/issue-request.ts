import { ValidationError } from '../errors.ts';
import type { FieldError } from '../result.ts';
import { parseSpiffeId } from '../identity/spiffe.ts';
import type { WorkloadIdentity } from '../identity/spiffe.ts';
import type { IssueRequest } from './certificate-authority.ts';
import { checkCsr } from './csr.ts';
import type { CheckedCsr } from './csr.ts';

/** Workload certificates are short-lived; a month is the longest any backend will be asked for. */
export const MAX_LEAF_TTL_SECONDS = 30 * 24 * 60 * 60;

export interface CheckedIssueRequest {
  csr: CheckedCsr;
  identity: WorkloadIdentity;
  spiffeId: string;
  ttlSeconds: number;
}

/** Everything a CA checks before signing; throws ValidationError naming each bad field. */
export async function checkIssueRequest(request: IssueRequest): Promise<CheckedIssueRequest> {
  const errors: FieldError[] = [];
  const parsed = parseSpiffeId(request.spiffeId);
  if (!parsed.ok) errors.push(...parsed.errors);
  const ttl = request.ttlSeconds;
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_LEAF_TTL_SECONDS) {
    errors.push({ path: 'ttlSeconds', message: `must be an integer from 1 to ${MAX_LEAF_TTL_SECONDS}` });
  }
  if (!parsed.ok || errors.length > 0) throw new ValidationError('invalid certificate request', errors);
  const csr = await checkCsr(request.csrPem);
  return { csr, identity: parsed.value, spiffeId: request.spiffeId, ttlSeconds: ttl };
}
