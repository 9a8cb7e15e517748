import protobuf from 'protobufjs';
import type { Type } from 'protobufjs';
import type { CachedResource } from '../cache/index.ts';
import { fieldNumber, findMessageType, writeBytesField, writeStringField } from '../protos/index.ts';
import type { DeltaRequest, SotwRequest } from './messages.ts';

const PKG = 'envoy.service.discovery.v3';

function messageType(name: string): Type {
  const type = findMessageType(`${PKG}.${name}`);
  if (!type) throw new Error(`${PKG}.${name} is not in the loaded protos`);
  return type;
}

// oneofs: true names the set member of Struct values (`kind`), which the node metadata conversion reads.
const TO_OBJECT = { longs: String, enums: String, defaults: true, arrays: true, objects: true, oneofs: true } as const;

export function decodeSotwRequest(bytes: Buffer): SotwRequest {
  const type = messageType('DiscoveryRequest');
  return type.toObject(type.decode(withoutNodeExtensions(bytes, type)), TO_OBJECT) as SotwRequest;
}

export function decodeDeltaRequest(bytes: Buffer): DeltaRequest {
  const type = messageType('DeltaDiscoveryRequest');
  return type.toObject(type.decode(withoutNodeExtensions(bytes, type)), TO_OBJECT) as DeltaRequest;
}

let nodeExtensionsField: number | undefined;

/**
 * The request without the extensions listed in its node: Envoy names every extension it was built
 * with there (500+ on 1.40), nothing reads them, and decoding them was a tenth of what a
 * connecting proxy cost. Cut at the wire level, so they are skipped, not decoded.
 *
 * The walk also checks the wire format of the request's fields and of its node's: protobufjs reads
 * a string whose length runs past the end of the message as what is there, so a cut-off request
 * would otherwise pass as a shorter one. Throws, naming the field, when one does not fit.
 */
export function withoutNodeExtensions(bytes: Buffer, request: Type): Buffer {
  nodeExtensionsField ??= fieldNumber('envoy.config.core.v3.Node', 'extensions');
  const nodeField = request.fields['node']!.id;
  const pieces: Uint8Array[] = [];
  let copied = 0;
  walkFields(bytes, 'request', (field, wireType, start, from, end) => {
    if (field !== nodeField || wireType !== 2) return;
    const node = bytes.subarray(from, end);
    const kept = withoutField(node, nodeExtensionsField!);
    if (kept === node) return;
    pieces.push(bytes.subarray(copied, start), protobuf.Writer.create().uint32((field << 3) | 2).uint32(kept.byteLength).finish(), kept);
    copied = end;
  });
  if (copied === 0) return bytes;
  pieces.push(bytes.subarray(copied));
  return Buffer.concat(pieces);
}

class MalformedMessageError extends Error {}

/**
 * Calls `visit` for each field of a message with where its tag starts and where its value starts
 * and ends; throws when a field's value does not fit in the message.
 */
function walkFields(bytes: Buffer, what: string, visit: (field: number, wireType: number, start: number, from: number, end: number) => void): void {
  const reader = protobuf.Reader.create(bytes);
  while (reader.pos < reader.len) {
    const start = reader.pos;
    let field = 0;
    try {
      const tag = reader.uint32();
      field = tag >>> 3;
      if ((tag & 7) === 2) {
        const length = reader.uint32();
        const from = reader.pos;
        if (length > reader.len - from) throw new Error(`its value is ${length} bytes long and ${reader.len - from} are left`);
        reader.pos = from + length;
        visit(field, 2, start, from, reader.pos);
        continue;
      }
      const from = reader.pos;
      reader.skipType(tag & 7);
      visit(field, tag & 7, start, from, reader.pos);
    } catch (err) {
      if (err instanceof MalformedMessageError) throw err;
      throw new MalformedMessageError(`field ${field} of the ${what} at byte ${start} is malformed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

/** The message's bytes without any occurrence of `field` (the same buffer when there is none). */
function withoutField(bytes: Buffer, field: number): Buffer {
  const runs: Buffer[] = [];
  let runStart = 0;
  walkFields(bytes, 'node', (f, _wireType, start, _from, end) => {
    if (f !== field) return;
    if (start > runStart) runs.push(bytes.subarray(runStart, start));
    runStart = end;
  });
  if (runStart === 0) return bytes;
  runs.push(bytes.subarray(runStart));
  return Buffer.concat(runs);
}

/** Fields written by hand so pre-encoded resources are spliced in, never re-encoded per stream. */
let sotwFields: Record<'version' | 'resources' | 'typeUrl' | 'nonce' | 'controlPlane', number> | undefined;
let deltaFields: Record<'systemVersion' | 'resources' | 'typeUrl' | 'removed' | 'nonce' | 'controlPlane', number> | undefined;
let controlPlaneIdentifier: number | undefined;

function writeControlPlane(writer: protobuf.Writer, fieldNo: number, identifier: string): void {
  if (!identifier) return;
  controlPlaneIdentifier ??= fieldNumber('envoy.config.core.v3.ControlPlane', 'identifier');
  writeBytesField(writer, fieldNo, writeStringField(protobuf.Writer.create(), controlPlaneIdentifier, identifier).finish());
}

// In Node protobufjs writes into a Buffer already; wrap without copying otherwise.
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export interface SotwResponse {
  versionInfo: string;
  typeUrl: string;
  nonce: string;
  resources: readonly CachedResource[];
  controlPlane: string;
}

export function encodeSotwResponse(r: SotwResponse): Buffer {
  sotwFields ??= {
    version: fieldNumber(`${PKG}.DiscoveryResponse`, 'version_info'),
    resources: fieldNumber(`${PKG}.DiscoveryResponse`, 'resources'),
    typeUrl: fieldNumber(`${PKG}.DiscoveryResponse`, 'type_url'),
    nonce: fieldNumber(`${PKG}.DiscoveryResponse`, 'nonce'),
    controlPlane: fieldNumber(`${PKG}.DiscoveryResponse`, 'control_plane'),
  };
  const writer = protobuf.Writer.create();
  writeStringField(writer, sotwFields.version, r.versionInfo);
  for (const resource of r.resources) writeBytesField(writer, sotwFields.resources, resource.any);
  writeStringField(writer, sotwFields.typeUrl, r.typeUrl);
  writeStringField(writer, sotwFields.nonce, r.nonce);
  writeControlPlane(writer, sotwFields.controlPlane, r.controlPlane);
  return asBuffer(writer.finish());
}

export interface DeltaResponse {
  systemVersionInfo: string;
  typeUrl: string;
  nonce: string;
  resources: readonly CachedResource[];
  removed: readonly string[];
  controlPlane: string;
}

export function encodeDeltaResponse(r: DeltaResponse): Buffer {
  deltaFields ??= {
    systemVersion: fieldNumber(`${PKG}.DeltaDiscoveryResponse`, 'system_version_info'),
    resources: fieldNumber(`${PKG}.DeltaDiscoveryResponse`, 'resources'),
    typeUrl: fieldNumber(`${PKG}.DeltaDiscoveryResponse`, 'type_url'),
    removed: fieldNumber(`${PKG}.DeltaDiscoveryResponse`, 'removed_resources'),
    nonce: fieldNumber(`${PKG}.DeltaDiscoveryResponse`, 'nonce'),
    controlPlane: fieldNumber(`${PKG}.DeltaDiscoveryResponse`, 'control_plane'),
  };
  const writer = protobuf.Writer.create();
  writeStringField(writer, deltaFields.systemVersion, r.systemVersionInfo);
  for (const resource of r.resources) writeBytesField(writer, deltaFields.resources, resource.deltaResource);
  writeStringField(writer, deltaFields.typeUrl, r.typeUrl);
  writeStringField(writer, deltaFields.nonce, r.nonce);
  for (const name of r.removed) writer.uint32((deltaFields.removed << 3) | 2).string(name);
  writeControlPlane(writer, deltaFields.controlPlane, r.controlPlane);
  return asBuffer(writer.finish());
}
