import { ConflictError, ValidationError } from '../../../errors.ts';
import type { NewTenant, Page, PageRequest, TenantRecord } from '../../../store/config-store.ts';
import { pageLimit } from '../../../store/page-limit.ts';
import type { StoreContext } from './context.ts';
import { decodeCursor } from './cursor.ts';
import { attributeNotExists } from './expressions.ts';
import { PK, prefixRange, tenantKey } from './keys.ts';
import { pageOf } from './pages.ts';
import { tenantItem, tenantRecord } from './records.ts';

export function requireId(value: unknown, field: string): void {
  if (typeof value !== 'string' || value === '') throw new ValidationError(`invalid ${field}`, [{ path: field, message: 'must be a non-empty string' }]);
}

export async function createTenant(ctx: StoreContext, tenant: NewTenant): Promise<TenantRecord> {
  requireId(tenant?.id, 'id');
  const record: TenantRecord = { id: tenant.id, createdAt: ctx.now().toISOString(), ...(tenant.displayName !== undefined && { displayName: tenant.displayName }) };
  if (!(await ctx.table.putIf(tenantItem(record), attributeNotExists(PK), 'create tenant'))) throw new ConflictError(`tenant ${tenant.id} already exists`);
  return record;
}

export async function getTenant(ctx: StoreContext, tenantId: string): Promise<TenantRecord | undefined> {
  if (typeof tenantId !== 'string') return undefined;
  const item = await ctx.table.get(tenantKey(tenantId), 'read tenant');
  return item && tenantRecord(item);
}

/** Tenants live in one directory partition, so the list is a strongly consistent, ordered Query. */
export async function listTenants(ctx: StoreContext, page?: PageRequest): Promise<Page<TenantRecord>> {
  const limit = pageLimit(page);
  const after = decodeCursor(page?.cursor, 'tenant');
  const { PK: partition, SK: prefix } = tenantKey('');
  const items = ctx.table.query({ partition, ...prefixRange(prefix), ...(after !== undefined && { after: tenantKey(after).SK }), pageSize: limit + 1 }, 'list tenants');
  return pageOf(items, limit, tenantRecord, (t) => t.id, 'tenant');
}
