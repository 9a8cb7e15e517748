import protobuf from 'protobufjs';
import { findMessageType } from './envoy-root.ts';

/** Field number of `name` in `message`, read from the loaded .proto rather than repeated here. */
export function fieldNumber(message: string, field: string): number {
  const id = findMessageType(message)?.fields[field]?.id;
  if (id === undefined) throw new Error(`${message}.${field} is not in the loaded protos`);
  return id;
}

const LENGTH_DELIMITED = 2;

/** Appends `bytes` as a length-delimited field, so pre-encoded messages are spliced in without re-encoding. */
export function writeBytesField(writer: protobuf.Writer, fieldNo: number, bytes: Uint8Array): protobuf.Writer {
  return writer.uint32((fieldNo << 3) | LENGTH_DELIMITED).bytes(bytes);
}

export function writeStringField(writer: protobuf.Writer, fieldNo: number, value: string): protobuf.Writer {
  return value === '' ? writer : writer.uint32((fieldNo << 3) | LENGTH_DELIMITED).string(value);
}

let anyFields: { typeUrl: number; value: number } | undefined;

/** A `google.protobuf.Any` holding already-encoded resource bytes. */
export function encodeAny(typeUrl: string, value: Uint8Array): Uint8Array {
  anyFields ??= { typeUrl: fieldNumber('google.protobuf.Any', 'type_url'), value: fieldNumber('google.protobuf.Any', 'value') };
  const writer = protobuf.Writer.create();
  writeStringField(writer, anyFields.typeUrl, typeUrl);
  writeBytesField(writer, anyFields.value, value);
  return writer.finish();
}
