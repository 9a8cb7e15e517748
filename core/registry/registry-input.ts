import { z } from 'zod';
import { ValidationError } from '../errors.ts';
import { isIpAddress } from '../resources/formats/ip.ts';
import { isDns1123Label, isDns1123Subdomain } from '../resources/formats/names.ts';
import { formatPath } from '../resources/field-path.ts';
import { Labels } from '../resources/schemas/shared/labels.ts';
import { issuesToFieldErrors } from '../resources/zod-issues.ts';
import { fail, ok, type FieldError, type Result } from '../result.ts';
import type { RegisteredWorkload } from './workload-registry.ts';
import { dnsLabel, fieldProblem, isoTime, replicaName, unexpired } from '../live-state/input-rules.ts';

/**
 * Characters of a workload id: enough for SPIFFE IDs and node ids, never `#` (the DynamoDB
 * registry's key separator), spaces or control characters.
 */
export const WORKLOAD_ID = /^[A-Za-z0-9._@:/-]+$/;
export const MAX_WORKLOAD_ID_LENGTH = 512;
/** Largest entry, as UTF-8 JSON: far above a real endpoint, far below any storage limit. */
export const MAX_REGISTERED_WORKLOAD_BYTES = 16 * 1024;

const workloadId = z
  .string()
  .min(1, { error: 'must not be empty', abort: true })
  .max(MAX_WORKLOAD_ID_LENGTH, `must be at most ${MAX_WORKLOAD_ID_LENGTH} characters`)
  .regex(WORKLOAD_ID, 'may only hold letters, digits and ".", "_", "@", ":", "/", "-"');

const RegisteredWorkloadSchema = z.object({
  tenantId: dnsLabel,
  mesh: dnsLabel,
  id: workloadId,
  namespace: dnsLabel,
  name: dnsLabel,
  group: z
    .string()
    .refine((g) => {
      const [namespace, name, ...rest] = g.split('/');
      return rest.length === 0 && name !== undefined && isDns1123Label(namespace!) && isDns1123Subdomain(name);
    }, 'must be "namespace/name"')
    .optional(),
  serviceAccount: z.string().refine(isDns1123Subdomain, 'must be a DNS-1123 subdomain'),
  spiffeId: z.string().max(2048).startsWith('spiffe://', 'must be a spiffe:// URI').optional(),
  address: z.string().refine(isIpAddress, 'must be an IP address'),
  labels: Labels,
  ports: z.record(z.string().min(1).max(253), z.number().int().min(1).max(65_535)).optional(),
  inboundPort: z.number().int().min(1).max(65_535).optional(),
  locality: z.string().min(1).max(253).optional(),
  weight: z.number().int().min(0).max(4_294_967_295).optional(),
  service: z
    .strictObject({
      name: dnsLabel,
      ports: z
        .array(z.strictObject({ name: z.string().min(1).max(63), number: z.number().int().min(1).max(65_535), protocol: z.string().min(1).max(32).optional() }))
        .max(256),
      selector: Labels.optional(),
    })
    .optional(),
  source: z.enum(['proxy', 'cloud-map', 'kubernetes']),
  replica: replicaName,
  since: isoTime,
  expiresAt: isoTime,
});

// Compiles only while every field of RegisteredWorkload has a rule above; one without would be dropped by `put`.
type Unchecked = Exclude<keyof RegisteredWorkload, keyof typeof RegisteredWorkloadSchema.shape>;
const _everyFieldChecked: [Unchecked] extends [never] ? true : never = true;

/**
 * Checks entries for `put` and returns clean copies: fields the port does not know are dropped,
 * optional fields that are undefined are left out, and an entry over the size bound is refused.
 */
export function validateRegisteredWorkloads(entries: readonly unknown[]): Result<RegisteredWorkload[]> {
  if (!Array.isArray(entries)) return fail([{ path: 'entries', message: 'must be an array' }]);
  const values: RegisteredWorkload[] = [];
  const errors: FieldError[] = [];
  entries.forEach((entry, i) => {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      errors.push({ path: formatPath(['entries', i]), message: 'must be an object' });
      return;
    }
    const parsed = RegisteredWorkloadSchema.safeParse(entry);
    if (!parsed.success) {
      errors.push(...issuesToFieldErrors(parsed.error.issues, ['entries', i]));
      return;
    }
    const value = withoutUndefined(parsed.data) as RegisteredWorkload;
    const bytes = Buffer.byteLength(JSON.stringify(value), 'utf8');
    if (bytes > MAX_REGISTERED_WORKLOAD_BYTES) {
      errors.push({ path: formatPath(['entries', i]), message: `takes ${bytes} bytes as JSON; at most ${MAX_REGISTERED_WORKLOAD_BYTES} are allowed` });
      return;
    }
    values.push(value);
  });
  return errors.length > 0 ? fail(errors) : ok(values);
}

/** Checks the mesh a `remove`, `list` or `removeMesh` addresses. */
export function validateMeshRef(tenantId: unknown, mesh: unknown): Result<{ tenantId: string; mesh: string }> {
  const errors = [fieldProblem(dnsLabel, tenantId, ['tenantId']), fieldProblem(dnsLabel, mesh, ['mesh'])].flat();
  return errors.length > 0 ? fail(errors) : ok({ tenantId: tenantId as string, mesh: mesh as string });
}

/** Checks the ids and replica of a `remove`. */
export function validateRemoval(ids: unknown, replica: unknown): Result<{ ids: string[]; replica: string }> {
  if (!Array.isArray(ids)) return fail([{ path: 'ids', message: 'must be an array' }]);
  const errors = [...ids.flatMap((id, i) => fieldProblem(workloadId, id, ['ids', i])), ...fieldProblem(replicaName, replica, ['replica'])];
  return errors.length > 0 ? fail(errors) : ok({ ids: ids as string[], replica: replica as string });
}

/** The value of a validation, or a ValidationError naming every problem. */
export function valid<T>(result: Result<T>, what: string): T {
  if (!result.ok) throw new ValidationError(`invalid ${what}: ${result.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, result.errors);
  return result.value;
}

/** Whether an entry still counts at `now`: its `expiresAt` is strictly later. */
export function isLive(entry: RegisteredWorkload, now: Date): boolean {
  return unexpired(entry.expiresAt, now);
}

/** Orders entries as `list` returns them: by id, comparing code units (ids are ASCII, so byte order too). */
export function byId(a: RegisteredWorkload, b: RegisteredWorkload): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
