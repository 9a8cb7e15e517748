import type { Page } from '../../../store/config-store.ts';
import { encodeCursor, type CursorKind } from './cursor.ts';

/**
 * Takes up to `limit` items from an ordered stream, reading one more to learn whether a next
 * page exists, so a cursor is only handed out when something follows it.
 */
export async function pageOf<S, T>(items: AsyncIterable<S>, limit: number, convert: (item: S) => T | undefined, position: (value: T) => string | number, kind: CursorKind): Promise<Page<T>> {
  const out: T[] = [];
  let more = false;
  for await (const item of items) {
    const value = convert(item);
    if (value === undefined) continue;
    if (out.length === limit) {
      more = true;
      break;
    }
    out.push(value);
  }
  const last = out.at(-1);
  return { items: out, ...(more && last !== undefined && { nextCursor: encodeCursor(kind, position(last)) }) };
}
