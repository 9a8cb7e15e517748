import { open, readFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { LimitExceededError, TrellisError } from '../../../errors.ts';
import { CorruptJournalError } from './errors.ts';
import { FILE_HEADER, encodeFrame, intactFrameAfter, readFrame } from './frame.ts';

/** Where a record sits in its journal, so it can be read again later. */
export interface RecordLocation {
  offset: number;
  length: number;
}

export interface ReplayedRecord extends RecordLocation {
  payload: unknown;
}

/** A torn tail cut off while opening: the leftovers of a write that never completed. */
export interface RecoveryEvent {
  file: string;
  offset: number;
  truncatedBytes: number;
}

export const FILE_MODE = 0o600;

/**
 * An append-only file of framed records. `append` resolves only after the record is on disk
 * (fdatasync); a write that fails is cut off again so the file never keeps a half record
 * behind a later one. Callers serialise appends.
 */
export class Journal {
  #broken: unknown;

  private constructor(
    readonly file: string,
    private readonly handle: FileHandle,
    private size: number,
  ) {}

  /** Creates a new, empty journal; fails if the file exists. */
  static async create(file: string): Promise<Journal> {
    const handle = await open(file, 'wx+', FILE_MODE);
    try {
      await handle.write(FILE_HEADER, 0, FILE_HEADER.length, 0);
      await handle.sync();
      await syncDirectory(path.dirname(file));
    } catch (error) {
      await handle.close();
      throw error;
    }
    return new Journal(file, handle, FILE_HEADER.length);
  }

  /**
   * Opens a journal and returns every intact record. A damaged record with nothing intact
   * after it is a torn tail (a write cut short by a crash): it is truncated and reported.
   * A damaged record followed by intact ones is corruption: CorruptJournalError.
   */
  static async open(file: string, onRecovery?: (event: RecoveryEvent) => void): Promise<{ journal: Journal; records: ReplayedRecord[] }> {
    const buf = await readFile(file);
    const handle = await open(file, 'r+');
    try {
      const { records, end } = scan(file, buf);
      if (end < buf.length) {
        await handle.truncate(end);
        if (end < FILE_HEADER.length) await handle.write(FILE_HEADER, 0, FILE_HEADER.length, 0);
        await handle.sync();
        onRecovery?.({ file, offset: end, truncatedBytes: buf.length - end });
      }
      return { journal: new Journal(file, handle, Math.max(end, FILE_HEADER.length)), records };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** Appends one record durably; LimitExceededError (nothing written) when it is larger than `maxBytes`. */
  async append(payload: unknown, maxBytes = Infinity): Promise<RecordLocation> {
    if (this.#broken !== undefined) throw new TrellisError(`journal ${this.file} failed earlier; reopen the store`, { cause: this.#broken });
    const frame = encodeFrame(payload);
    if (frame.length > maxBytes) throw new LimitExceededError(`record of ${frame.length} bytes is larger than ${maxBytes}`);
    const offset = this.size;
    try {
      for (let written = 0; written < frame.length; ) {
        const { bytesWritten } = await this.handle.write(frame, written, frame.length - written, offset + written);
        written += bytesWritten;
      }
      await this.handle.datasync();
    } catch (error) {
      await this.#cutBack(offset, error);
      throw new TrellisError(`writing to journal ${this.file} failed`, { cause: error });
    }
    this.size = offset + frame.length;
    return { offset, length: frame.length };
  }

  async read(at: RecordLocation): Promise<unknown> {
    const buf = Buffer.allocUnsafe(at.length);
    const { bytesRead } = await this.handle.read(buf, 0, at.length, at.offset);
    const frame = bytesRead === at.length ? readFrame(buf, 0) : undefined;
    if (!frame) throw new CorruptJournalError(this.file, at.offset, 'record changed on disk since it was written');
    return JSON.parse(frame.body.toString('utf8'));
  }

  get bytes(): number {
    return this.size;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }

  /** Removes a half-written record; if even that fails, no later append may land after it. */
  async #cutBack(offset: number, error: unknown): Promise<void> {
    try {
      await this.handle.truncate(offset);
      await this.handle.datasync();
    } catch {
      this.#broken = error;
    }
  }
}

function scan(file: string, buf: Buffer): { records: ReplayedRecord[]; end: number } {
  const header = buf.subarray(0, FILE_HEADER.length);
  if (!FILE_HEADER.subarray(0, header.length).equals(header)) throw new CorruptJournalError(file, 0, 'not a Trellis journal');
  if (buf.length < FILE_HEADER.length) return { records: [], end: 0 };
  const records: ReplayedRecord[] = [];
  let offset = FILE_HEADER.length;
  while (offset < buf.length) {
    const frame = readFrame(buf, offset);
    if (!frame) {
      if (intactFrameAfter(buf, offset + 1)) throw new CorruptJournalError(file, offset, 'damaged record followed by intact records');
      break;
    }
    let payload: unknown;
    try {
      payload = JSON.parse(frame.body.toString('utf8'));
    } catch (error) {
      throw new CorruptJournalError(file, offset, 'record is not JSON', { cause: error });
    }
    records.push({ offset, length: frame.end - offset, payload });
    offset = frame.end;
  }
  return { records, end: offset };
}

/** Makes a file's creation or removal durable: the directory entry itself must be synced. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
