import { ValidationError } from '../errors.ts';
import type { PageRequest } from './config-store.ts';

export const DEFAULT_PAGE_LIMIT = 100;
export const MAX_PAGE_LIMIT = 1000;

/** The page size a store should use; a limit outside 1..1000 is a ValidationError. */
export function pageLimit(page?: PageRequest): number {
  const limit = page?.limit ?? DEFAULT_PAGE_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) {
    throw new ValidationError('invalid page limit', [{ path: 'limit', message: `must be an integer in 1..${MAX_PAGE_LIMIT}` }]);
  }
  return limit;
}
