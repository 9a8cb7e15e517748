export type * from './config-store.ts';
export { changeKeys } from './change-checks.ts';
export { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT, pageLimit } from './page-limit.ts';
export { canonicalJson, contentOf, sameContent, storedForm } from './resource-content.ts';
export { rollback, type RollbackRequest } from './rollback.ts';
