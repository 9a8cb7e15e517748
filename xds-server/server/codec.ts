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
 */
export function withoutNodeExtensions(bytes: Buffer, request: Type): Buffer {
  try {
    return cutNodeExtensions(bytes, request.fields['node']!.id);
  } catch {
    // Malformed: the decoder says what is wrong with it.
    return bytes;
  }
}

function cutNodeExtensions(bytes: Buffer, nodeField: number): Buffer {
  nodeExtensionsField ??= fieldNumber('envoy.config.core.v3.Node', 'extensions');
  const reader = protobuf.Reader.create(bytes);
  const pieces: Uint8Array[] = [];
  let copied = 0;
  while (reader.pos < reader.len) {
    const start = reader.pos;
    const tag = reader.uint32();
    if (tag >>> 3 !== nodeField || (tag & 7) !== 2) {
      reader.skipType(tag & 7);
      continue;
    }
    const length = reader.uint32();
    const from = reader.pos;
    if (from + length > reader.len) return bytes;
    reader.pos = from + length;
    const node = bytes.subarray(from, from + length);
    const kept = withoutField(node, nodeExtensionsField);
    if (kept === node) continue;
    pieces.push(bytes.subarray(copied, start), protobuf.Writer.create().uint32(tag).uint32(kept.byteLength).finish(), kept);
    copied = from + length;
  }
  if (copied === 0) return bytes;
  pieces.push(bytes.subarray(copied));
  return Buffer.concat(pieces);
}

/** The message's bytes without any occurrence of `field` (the same buffer when there is none). */
function withoutField(bytes: Buffer, field: number): Buffer {
  const reader = protobuf.Reader.create(bytes);
  const runs: Buffer[] = [];
  let runStart = 0;
  while (reader.pos < reader.len) {
    const start = reader.pos;
    const tag = reader.uint32();
    reader.skipType(tag & 7);
    if (tag >>> 3 !== field) continue;
    if (start > runStart) runs.push(bytes.subarray(runStart, start));
    runStart = reader.pos;
  }
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
