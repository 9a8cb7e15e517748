import { crc32 } from 'node:zlib';

/** Starts every journal file: format name and version. */
export const FILE_HEADER = Buffer.from('TRLJRNL1', 'ascii');
/** Starts every record, so recovery can look for whole records after a damaged one. */
const RECORD_MAGIC = Buffer.from('TRLR', 'ascii');
/** magic (4) + payload length (4) + CRC32 of the payload (4). */
export const FRAME_OVERHEAD = 12;

/** One record on disk: `TRLR`, u32 length, u32 CRC32, JSON payload (all big-endian). */
export function encodeFrame(payload: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(payload), 'utf8');
  const frame = Buffer.allocUnsafe(FRAME_OVERHEAD + body.length);
  RECORD_MAGIC.copy(frame, 0);
  frame.writeUInt32BE(body.length, 4);
  frame.writeUInt32BE(crc32(body), 8);
  body.copy(frame, FRAME_OVERHEAD);
  return frame;
}

/** The payload bytes of the whole, intact frame at `offset`, or undefined if there is none. */
export function readFrame(buf: Buffer, offset: number): { body: Buffer; end: number } | undefined {
  if (buf.length - offset < FRAME_OVERHEAD) return undefined;
  if (!buf.subarray(offset, offset + 4).equals(RECORD_MAGIC)) return undefined;
  const length = buf.readUInt32BE(offset + 4);
  const end = offset + FRAME_OVERHEAD + length;
  if (end > buf.length) return undefined;
  const body = buf.subarray(offset + FRAME_OVERHEAD, end);
  if (crc32(body) !== buf.readUInt32BE(offset + 8)) return undefined;
  return { body, end };
}

/** True when an intact frame starts anywhere after `from`: the damage is not a torn tail. */
export function intactFrameAfter(buf: Buffer, from: number): boolean {
  for (let at = buf.indexOf(RECORD_MAGIC, from); at >= 0; at = buf.indexOf(RECORD_MAGIC, at + 1)) {
    if (readFrame(buf, at)) return true;
  }
  return false;
}
