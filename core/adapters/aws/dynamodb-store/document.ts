import { gunzipSync, gzipSync } from 'node:zlib';
import type { StoredResource } from '../../../resources/resource.ts';

/** Above this many bytes of JSON a body is stored gzipped: fewer write units, more room under 400 KB. */
export const COMPRESS_ABOVE_BYTES = 4 * 1024;

/** How a resource body sits in an item: JSON text when small, gzipped JSON when large. */
export type EncodedDocument = { doc: string; docz?: undefined } | { docz: Uint8Array; doc?: undefined };

export function encodeDocument(resource: StoredResource): EncodedDocument {
  const json = JSON.stringify(resource);
  if (Buffer.byteLength(json, 'utf8') <= COMPRESS_ABOVE_BYTES) return { doc: json };
  return { docz: gzipSync(json) };
}

export function decodeDocument(item: Record<string, unknown>): StoredResource {
  if (typeof item.doc === 'string') return JSON.parse(item.doc) as StoredResource;
  if (item.docz instanceof Uint8Array) return JSON.parse(gunzipSync(item.docz).toString('utf8')) as StoredResource;
  throw new Error('item holds no resource document');
}
