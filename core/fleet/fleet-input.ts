import { z } from 'zod';
import { isIpAddress } from '../resources/formats/ip.ts';
import { formatPath, type PathSegment } from '../resources/field-path.ts';
import { issuesToFieldErrors } from '../resources/zod-issues.ts';
import { fail, ok, type FieldError, type Result } from '../result.ts';
import type { ProxyStatusRecord } from './fleet-status.ts';
import { NodeMetadataSchema } from '../proxies/node-metadata.ts';
import { dnsLabel, fieldProblem, isoTime, replicaName, unexpired } from '../live-state/input-rules.ts';

/**
 * Proxy ids are node ids as proxies send them: printable ASCII without spaces. Keys may hold
 * `#` (the DynamoDB adapter percent-encodes them), so any agent's or Istio-style node id fits.
 */
export const PROXY_ID = /^[\x21-\x7e]+$/;
export const MAX_PROXY_ID_LENGTH = 256;
/** A NACK message (Envoy's error text) is kept to this many characters, then marked truncated. */
export const MAX_NACK_MESSAGE_CHARS = 1024;
export const TRUNCATED_MARK = ' … (truncated)';
/** Largest record, as UTF-8 JSON, after truncation: far above a real proxy's status. */
export const MAX_PROXY_STATUS_RECORD_BYTES = 16 * 1024;

const proxyId = z
  .string()
  .min(1, { error: 'must not be empty', abort: true })
  .max(MAX_PROXY_ID_LENGTH, `must be at most ${MAX_PROXY_ID_LENGTH} characters`)
  .regex(PROXY_ID, 'must be printable ASCII without spaces');
// Names a proxy claims for itself (namespace, workload, ...): shown, never used as keys.
const shortText = z.string().min(1, 'must not be empty').max(253, 'must be at most 253 characters');
const version = z.string().max(256, 'must be at most 256 characters');

/** Keeps the first MAX_NACK_MESSAGE_CHARS characters, never half of a surrogate pair, and says so. */
export function truncateNackMessage(message: string): string {
  if (message.length <= MAX_NACK_MESSAGE_CHARS) return message;
  let kept = message.slice(0, MAX_NACK_MESSAGE_CHARS - TRUNCATED_MARK.length);
  if (/[\uD800-\uDBFF]$/.test(kept)) kept = kept.slice(0, -1);
  return kept + TRUNCATED_MARK;
}

const TypeStatusSchema = z.object({
  sent: version.optional(),
  acked: version.optional(),
  lastNack: z.object({ version, message: z.string().transform(truncateNackMessage), at: isoTime }).optional(),
  state: z.enum(['SYNCED', 'STALE', 'NACKED']),
});

const ProxyStatusRecordSchema = z.object({
  proxyId,
  tenantId: dnsLabel,
  mesh: dnsLabel,
  namespace: shortText.optional(),
  serviceAccount: shortText.optional(),
  workload: shortText.optional(),
  address: z.string().refine(isIpAddress, 'must be an IP address').optional(),
  protocol: z.enum(['sotw', 'delta']),
  connectedAt: isoTime,
  revision: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  certificate: z.object({ spiffeId: z.string().max(2048).startsWith('spiffe://', 'must be a spiffe:// URI'), serialNumber: z.string().min(1).max(128), notAfter: isoTime }).optional(),
  types: z.object({ cds: TypeStatusSchema.optional(), eds: TypeStatusSchema.optional(), lds: TypeStatusSchema.optional(), rds: TypeStatusSchema.optional(), sds: TypeStatusSchema.optional() }).strict(),
  registration: z.object({ state: z.enum(['registered', 'refused']), group: z.string().min(1).max(317).optional(), reason: z.string().max(1024).optional() }).optional(),
  replica: replicaName,
  updatedAt: isoTime,
  expiresAt: isoTime,
  metadata: NodeMetadataSchema.optional(),
});

// Compiles only while every field of ProxyStatusRecord has a rule above; one without would be dropped by `put`.
type Unchecked = Exclude<keyof ProxyStatusRecord, keyof typeof ProxyStatusRecordSchema.shape>;
const _everyFieldChecked: [Unchecked] extends [never] ? true : never = true;

/** Checks one record and returns a clean copy (unknown fields dropped, NACK message truncated), with paths under `prefix`. */
export function validateProxyStatusRecord(record: unknown, prefix: readonly PathSegment[] = []): Result<ProxyStatusRecord> {
  const at = prefix.length > 0 ? formatPath([...prefix]) : 'record';
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return fail([{ path: at, message: 'must be an object' }]);
  const parsed = ProxyStatusRecordSchema.safeParse(record);
  if (!parsed.success) return fail(issuesToFieldErrors(parsed.error.issues, prefix));
  // A JSON round trip drops undefined fields at every depth and copies the record.
  const text = JSON.stringify(parsed.data);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_PROXY_STATUS_RECORD_BYTES) return fail([{ path: at, message: `takes ${bytes} bytes as JSON; at most ${MAX_PROXY_STATUS_RECORD_BYTES} are allowed` }]);
  return ok(JSON.parse(text) as ProxyStatusRecord);
}

/** Checks records for `put`: every problem of every record, or clean copies of all. */
export function validateProxyStatusRecords(records: readonly unknown[]): Result<ProxyStatusRecord[]> {
  if (!Array.isArray(records)) return fail([{ path: 'records', message: 'must be an array' }]);
  const values: ProxyStatusRecord[] = [];
  const errors: FieldError[] = [];
  records.forEach((record, i) => {
    const checked = validateProxyStatusRecord(record, ['records', i]);
    if (checked.ok) values.push(checked.value);
    else errors.push(...checked.errors);
  });
  return errors.length > 0 ? fail(errors) : ok(values);
}

/** Checks the proxy ids and replica of a `remove`. */
export function validateProxyRemoval(proxyIds: unknown, replica: unknown): Result<{ proxyIds: string[]; replica: string }> {
  if (!Array.isArray(proxyIds)) return fail([{ path: 'proxyIds', message: 'must be an array' }]);
  const errors = [...proxyIds.flatMap((id, i) => fieldProblem(proxyId, id, ['proxyIds', i])), ...fieldProblem(replicaName, replica, ['replica'])];
  return errors.length > 0 ? fail(errors) : ok({ proxyIds: proxyIds as string[], replica: replica as string });
}

/** Whether a record still counts at `now`: its `expiresAt` is strictly later. */
export function isCurrent(record: ProxyStatusRecord, now: Date): boolean {
  return unexpired(record.expiresAt, now);
}

/** Orders records as `list` returns them: by proxy id, comparing code units (ids are ASCII, so byte order too). */
export function byProxyId(a: ProxyStatusRecord, b: ProxyStatusRecord): number {
  return a.proxyId < b.proxyId ? -1 : a.proxyId > b.proxyId ? 1 : 0;
}
