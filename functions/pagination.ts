import type { Context } from 'hono';
import type { PageRequest } from '../core/store/config-store.ts';
import { badRequest } from './problem.ts';

export const MAX_PAGE = 1000;

/** `limit` (1..1000) and `cursor` from the query string. */
export function pageRequest(c: Context): PageRequest {
  const page: PageRequest = {};
  const limit = c.req.query('limit');
  if (limit !== undefined) {
    if (!/^\d{1,4}$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_PAGE) {
      throw badRequest(`limit must be an integer from 1 to ${MAX_PAGE}.`, [{ path: 'limit', message: `must be 1..${MAX_PAGE}` }]);
    }
    page.limit = Number(limit);
  }
  const cursor = c.req.query('cursor');
  if (cursor !== undefined) {
    if (cursor.length === 0 || cursor.length > 1024 || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
      throw badRequest('cursor is not valid; pass the nextCursor of the previous page.', [{ path: 'cursor', message: 'malformed' }]);
    }
    page.cursor = cursor;
  }
  return page;
}

/** A positive integer path or query parameter. */
export function positiveInt(value: string | undefined, name: string): number {
  if (value === undefined || !/^\d{1,12}$/.test(value) || Number(value) < 1) {
    throw badRequest(`${name} must be a positive integer.`, [{ path: name, message: 'must be a positive integer' }]);
  }
  return Number(value);
}
