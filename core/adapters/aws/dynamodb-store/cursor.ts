import { ValidationError } from '../../../errors.ts';

/** What a cursor points after: a tenant id, mesh name, resource position or revision number. */
export type CursorKind = 'tenant' | 'mesh' | 'resource' | 'revision';

/** Cursors are opaque base64url JSON of the list they belong to and the last position returned. */
export function encodeCursor(kind: CursorKind, after: string | number): string {
  return Buffer.from(JSON.stringify({ k: kind, after }), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | undefined, kind: 'revision'): number | undefined;
export function decodeCursor(cursor: string | undefined, kind: Exclude<CursorKind, 'revision'>): string | undefined;
export function decodeCursor(cursor: string | undefined, kind: CursorKind): string | number | undefined {
  if (cursor === undefined) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { k?: unknown; after?: unknown } | null;
    const after = parsed?.after;
    if (parsed?.k === kind && (kind === 'revision' ? Number.isInteger(after) : typeof after === 'string')) return after as string | number;
  } catch {
    // fall through: any undecodable cursor is the caller's mistake
  }
  throw invalidCursor();
}

export function invalidCursor(): ValidationError {
  return new ValidationError('invalid cursor', [{ path: 'cursor', message: 'not a cursor issued by this store' }]);
}
