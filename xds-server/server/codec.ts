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
  return type.toObject(type.decode(bytes), TO_OBJECT) as SotwRequest;
}

export function decodeDeltaRequest(bytes: Buffer): DeltaRequest {
  const type = messageType('DeltaDiscoveryRequest');
  return type.toObject(type.decode(bytes), TO_OBJECT) as DeltaRequest;
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
