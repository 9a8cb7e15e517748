import { ValidationError } from '../../../errors.ts';

/** Cursors are opaque base64url JSON of the last position returned. */
export function encodeCursor(position: string | number): string {
  return Buffer.from(JSON.stringify({ after: position }), 'utf8').toString('base64url');
}

export function decodeCursor<T extends string | number>(cursor: string | undefined, type: 'string' | 'number'): T | undefined {
  if (cursor === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const after = (parsed as { after?: unknown } | null)?.after;
    if (typeof after === type) return after as T;
  } catch {
    // fall through to the ValidationError below: any undecodable cursor is the caller's mistake
  }
  throw new ValidationError('invalid cursor', [{ path: 'cursor', message: 'not a cursor issued by this store' }]);
}
