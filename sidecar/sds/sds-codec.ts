import protobuf from 'protobufjs/minimal.js';

/*
 * The few fields of the SDS messages the agent reads and writes, coded with protobufjs's wire
 * reader and writer instead of types built from the Envoy .protos at start: the agent then loads
 * neither the .proto files nor protobufjs's parser and reflection, about 2 MB of its idle heap.
 * sds-codec.test.ts checks every field against the types protobufjs builds from the same .protos.
 * Field numbers are those of envoy/service/discovery/v3/discovery.proto, google/rpc/status.proto,
 * envoy/extensions/transport_sockets/tls/v3/{secret,common}.proto and envoy/config/core/v3/base.proto.
 */

const { Reader, Writer } = protobuf;
type Reader = protobuf.Reader;
type Writer = protobuf.Writer;

/** Wire type of length-delimited fields (strings, messages, map entries). */
const LEN = 2;

/** `google.rpc.Status` as a NACK carries it. */
export interface ErrorDetail {
  code?: number;
  message?: string;
}

/** `DiscoveryRequest` without `node` and resource locators, which the agent ignores. */
export interface SdsRequest {
  version_info?: string;
  resource_names?: string[];
  type_url?: string;
  response_nonce?: string;
  error_detail?: ErrorDetail;
}

/** `DeltaDiscoveryRequest` without `node` and resource locators. */
export interface SdsDeltaRequest {
  type_url?: string;
  resource_names_subscribe?: string[];
  resource_names_unsubscribe?: string[];
  initial_resource_versions?: Record<string, string>;
  response_nonce?: string;
  error_detail?: ErrorDetail;
}

/** `google.protobuf.Any`. */
export interface AnyMessage {
  type_url: string;
  value: Uint8Array;
}

export interface SdsResponse {
  version_info: string;
  resources: AnyMessage[];
  type_url: string;
  nonce: string;
}

export interface SdsDeltaResponse {
  system_version_info: string;
  resources: { name: string; version: string; resource: AnyMessage }[];
  type_url: string;
  removed_resources: string[];
  nonce: string;
}

/** The `Secret`s the agent serves: a certificate with its key, or the roots to validate peers with. */
export type SecretMessage =
  | { name: string; tls_certificate: { certificate_chain: string; private_key: string } }
  | { name: string; validation_context: { trusted_ca: string } };

/** The plain reader: `Reader.create` would pick the Buffer reader, whose strings quietly stop at the end of the input instead of failing. */
const strictReader = (bytes: Uint8Array): Reader => new Reader(bytes);

/** Reads each field of one message, handing `(field number, reader)` to `field`, which reads the value or returns false to have it skipped. */
function readFields(r: Reader, end: number, field: (id: number, wireType: number) => boolean): void {
  while (r.pos < end) {
    const tag = r.uint32();
    const id = tag >>> 3;
    const wireType = tag & 7;
    if (id === 0) throw new Error(`invalid field number 0 at offset ${r.pos}`);
    if (!field(id, wireType)) r.skipType(wireType);
  }
  if (r.pos !== end) throw new Error('a field runs past the end of its message');
}

function readErrorDetail(r: Reader): ErrorDetail {
  const end = r.uint32() + r.pos;
  const status: ErrorDetail = {};
  readFields(r, end, (id, wireType) => {
    if (id === 1 && wireType === 0) status.code = r.int32();
    else if (id === 2 && wireType === LEN) status.message = r.string();
    else return false;
    return true;
  });
  return status;
}

function readMapEntry(r: Reader, into: Record<string, string>): void {
  const end = r.uint32() + r.pos;
  let key = '';
  let value = '';
  readFields(r, end, (id, wireType) => {
    if (wireType !== LEN || (id !== 1 && id !== 2)) return false;
    if (id === 1) key = r.string();
    else value = r.string();
    return true;
  });
  into[key] = value;
}

export function decodeSdsRequest(bytes: Uint8Array): SdsRequest {
  const r = strictReader(bytes);
  const m: SdsRequest = {};
  readFields(r, r.len, (id, wireType) => {
    if (wireType !== LEN) return false;
    if (id === 1) m.version_info = r.string();
    else if (id === 3) (m.resource_names ??= []).push(r.string());
    else if (id === 4) m.type_url = r.string();
    else if (id === 5) m.response_nonce = r.string();
    else if (id === 6) m.error_detail = readErrorDetail(r);
    else return false;
    return true;
  });
  return m;
}

export function decodeSdsDeltaRequest(bytes: Uint8Array): SdsDeltaRequest {
  const r = strictReader(bytes);
  const m: SdsDeltaRequest = {};
  readFields(r, r.len, (id, wireType) => {
    if (wireType !== LEN) return false;
    if (id === 2) m.type_url = r.string();
    else if (id === 3) (m.resource_names_subscribe ??= []).push(r.string());
    else if (id === 4) (m.resource_names_unsubscribe ??= []).push(r.string());
    else if (id === 5) readMapEntry(r, (m.initial_resource_versions ??= {}));
    else if (id === 6) m.response_nonce = r.string();
    else if (id === 7) m.error_detail = readErrorDetail(r);
    else return false;
    return true;
  });
  return m;
}

/** proto3: a string field equal to its default is not written. */
const str = (w: Writer, id: number, value: string) => (value === '' ? w : w.uint32((id << 3) | LEN).string(value));
const message = (w: Writer, id: number, write: (w: Writer) => void) => {
  w.uint32((id << 3) | LEN).fork();
  write(w);
  return w.ldelim();
};
const any = (w: Writer, id: number, a: AnyMessage) => message(w, id, (m) => str(m, 1, a.type_url).uint32((2 << 3) | LEN).bytes(a.value));
const dataSource = (w: Writer, id: number, inlineString: string) => message(w, id, (m) => m.uint32((3 << 3) | LEN).string(inlineString));

export function encodeSdsResponse(m: SdsResponse): Buffer {
  const w = Writer.create();
  str(w, 1, m.version_info);
  for (const r of m.resources) any(w, 2, r);
  str(w, 4, m.type_url);
  str(w, 5, m.nonce);
  return Buffer.from(w.finish());
}

export function encodeSdsDeltaResponse(m: SdsDeltaResponse): Buffer {
  const w = Writer.create();
  str(w, 1, m.system_version_info);
  for (const r of m.resources) message(w, 2, (e) => any(str(str(e, 1, r.version), 3, r.name), 2, r.resource));
  str(w, 4, m.type_url);
  str(w, 5, m.nonce);
  for (const name of m.removed_resources) w.uint32((6 << 3) | LEN).string(name);
  return Buffer.from(w.finish());
}

export function encodeSecret(s: SecretMessage): Uint8Array {
  const w = Writer.create();
  str(w, 1, s.name);
  if ('tls_certificate' in s) {
    message(w, 2, (t) => {
      dataSource(t, 1, s.tls_certificate.certificate_chain);
      dataSource(t, 2, s.tls_certificate.private_key);
    });
  } else {
    message(w, 4, (v) => dataSource(v, 1, s.validation_context.trusted_ca));
  }
  return w.finish();
}
