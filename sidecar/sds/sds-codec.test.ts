// Importing proto-loader registers the well-known protos protobufjs lacks (descriptor.proto, used by validate.proto).
import '@grpc/proto-loader';
import { existsSync } from 'node:fs';
import path from 'node:path';
import protobuf from 'protobufjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { protoIncludeDirs } from '../../core/envoy/proto-include-dirs.ts';
import { decodeSdsDeltaRequest, decodeSdsRequest, encodeSdsDeltaResponse, encodeSdsResponse, encodeSecret } from './sds-codec.ts';
import { SECRET_TYPE_URL } from './secrets.ts';

/** The reference: protobufjs types built from the pinned Envoy .protos, which the codec must agree with. */
let types: Record<'request' | 'response' | 'deltaRequest' | 'deltaResponse' | 'secret', protobuf.Type>;

beforeAll(() => {
  const dirs = protoIncludeDirs();
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => (path.isAbsolute(target) ? target : (dirs.map((d) => path.join(d, target)).find((c) => existsSync(c)) ?? target));
  root.loadSync(['envoy/service/discovery/v3/discovery.proto', 'envoy/extensions/transport_sockets/tls/v3/secret.proto'], { keepCase: true });
  root.resolveAll();
  types = {
    request: root.lookupType('envoy.service.discovery.v3.DiscoveryRequest'),
    response: root.lookupType('envoy.service.discovery.v3.DiscoveryResponse'),
    deltaRequest: root.lookupType('envoy.service.discovery.v3.DeltaDiscoveryRequest'),
    deltaResponse: root.lookupType('envoy.service.discovery.v3.DeltaDiscoveryResponse'),
    secret: root.lookupType('envoy.extensions.transport_sockets.tls.v3.Secret'),
  };
});

const encode = (type: protobuf.Type, object: Record<string, unknown>) => type.encode(type.fromObject(object)).finish();
const decode = (type: protobuf.Type, bytes: Uint8Array) => type.toObject(type.decode(bytes), { longs: String, enums: String, bytes: String });

/** What Envoy sends and the agent ignores: its node (with metadata, locality, extensions) and resource locators. */
const NODE = {
  id: 'sidecar~10.0.0.1~w.ns~ns.svc.cluster.local',
  cluster: 'w.ns',
  metadata: { fields: { NAMESPACE: { string_value: 'ns' }, LABELS: { struct_value: { fields: { app: { string_value: 'w' } } } } } },
  locality: { region: 'r', zone: 'z' },
  user_agent_name: 'envoy',
  extensions: [{ name: 'envoy.filters.http.router', category: 'envoy.filters.http' }],
};
const STATUS = { code: 3, message: 'Failed to load certificate chain from <inline>', details: [{ type_url: 'type.googleapis.com/google.protobuf.StringValue', value: Buffer.from([10, 1, 120]) }] };

describe('SDS codec against the Envoy .protos', () => {
  it('reads what the agent needs from a DiscoveryRequest and skips the node and locators', () => {
    const bytes = encode(types.request, {
      version_info: '3', node: NODE, resource_names: ['default', 'ROOTCA'], resource_locators: [{ name: 'x' }], type_url: SECRET_TYPE_URL, response_nonce: '3-7', error_detail: STATUS,
    });
    expect(decodeSdsRequest(Buffer.from(bytes))).toEqual({ version_info: '3', resource_names: ['default', 'ROOTCA'], type_url: SECRET_TYPE_URL, response_nonce: '3-7', error_detail: { code: 3, message: STATUS.message } });
  });

  it('leaves out the fields a DiscoveryRequest does not carry', () => {
    expect(decodeSdsRequest(Buffer.from(encode(types.request, { node: NODE, type_url: SECRET_TYPE_URL })))).toEqual({ type_url: SECRET_TYPE_URL });
    expect(decodeSdsRequest(Buffer.alloc(0))).toEqual({});
  });

  it('reads a DeltaDiscoveryRequest with its initial versions', () => {
    const bytes = encode(types.deltaRequest, {
      node: NODE, type_url: SECRET_TYPE_URL, resource_names_subscribe: ['default', 'ROOTCA'], resource_names_unsubscribe: ['old'], initial_resource_versions: { default: '2', ROOTCA: '1' }, response_nonce: '2-4', error_detail: STATUS,
      resource_locators_subscribe: [{ name: 'x' }],
    });
    expect(decodeSdsDeltaRequest(Buffer.from(bytes))).toEqual({
      type_url: SECRET_TYPE_URL, resource_names_subscribe: ['default', 'ROOTCA'], resource_names_unsubscribe: ['old'], initial_resource_versions: { default: '2', ROOTCA: '1' }, response_nonce: '2-4', error_detail: { code: 3, message: STATUS.message },
    });
  });

  it('writes a DiscoveryResponse and a DeltaDiscoveryResponse Envoy reads back field for field', () => {
    const resource = { type_url: SECRET_TYPE_URL, value: Buffer.from('secret bytes') };
    expect(decode(types.response, encodeSdsResponse({ version_info: '4', resources: [resource, resource], type_url: SECRET_TYPE_URL, nonce: '4-1' }))).toEqual({
      version_info: '4', resources: [{ type_url: SECRET_TYPE_URL, value: resource.value.toString('base64') }, { type_url: SECRET_TYPE_URL, value: resource.value.toString('base64') }], type_url: SECRET_TYPE_URL, nonce: '4-1',
    });
    expect(decode(types.deltaResponse, encodeSdsDeltaResponse({ system_version_info: '4', resources: [{ name: 'default', version: '4', resource }], type_url: SECRET_TYPE_URL, removed_resources: ['old'], nonce: '4-2' }))).toEqual({
      system_version_info: '4', resources: [{ name: 'default', version: '4', resource: { type_url: SECRET_TYPE_URL, value: resource.value.toString('base64') } }], type_url: SECRET_TYPE_URL, removed_resources: ['old'], nonce: '4-2',
    });
  });

  it('writes both Secrets as the .protos define them', () => {
    const chain = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const key = '-----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE KEY-----\n';
    expect(decode(types.secret, encodeSecret({ name: 'default', tls_certificate: { certificate_chain: chain, private_key: key } }))).toEqual({
      name: 'default', tls_certificate: { certificate_chain: { inline_string: chain }, private_key: { inline_string: key } },
    });
    expect(decode(types.secret, encodeSecret({ name: 'ROOTCA', validation_context: { trusted_ca: chain.repeat(3) } }))).toEqual({ name: 'ROOTCA', validation_context: { trusted_ca: { inline_string: chain.repeat(3) } } });
    // Byte for byte what protobufjs writes, so Envoy sees no difference.
    expect(Buffer.from(encodeSecret({ name: 'ROOTCA', validation_context: { trusted_ca: chain } }))).toEqual(Buffer.from(encode(types.secret, { name: 'ROOTCA', validation_context: { trusted_ca: { inline_string: chain } } })));
  });
});

describe('SDS codec on malformed and hostile input', () => {
  const request = () => Buffer.from(encode(types.request, { version_info: '1', node: NODE, resource_names: ['default'], type_url: SECRET_TYPE_URL }));

  it('agrees with protobufjs on every truncation of a valid request: an error, or the same shorter message', () => {
    const bytes = request();
    const subset = (o: Record<string, unknown>) => Object.fromEntries(['version_info', 'resource_names', 'type_url'].flatMap((k) => (o[k] === undefined ? [] : [[k, o[k]]])));
    let rejected = 0;
    for (let cut = 1; cut < bytes.length; cut++) {
      const truncated = bytes.subarray(0, cut);
      let reference: Record<string, unknown> | undefined;
      try {
        reference = subset(types.request.toObject(types.request.decode(new protobuf.Reader(truncated))));
      } catch {
        reference = undefined;
      }
      if (reference === undefined) {
        expect(() => decodeSdsRequest(truncated), `cut at ${cut}`).toThrow();
        rejected++;
      } else {
        expect(decodeSdsRequest(truncated), `cut at ${cut}`).toEqual(reference);
      }
    }
    expect(rejected).toBeGreaterThan(bytes.length / 2);
  });

  it('rejects a length running past the end, field number 0 and an unknown wire type', () => {
    // resource_names (field 3) claiming 2^31 bytes
    expect(() => decodeSdsRequest(Buffer.from([0x1a, 0x80, 0x80, 0x80, 0x80, 0x08, 0x61]))).toThrow(/range/);
    expect(() => decodeSdsRequest(Buffer.from([0x02, 0x01, 0x61]))).toThrow(/field number 0/);
    expect(() => decodeSdsRequest(Buffer.from([0x0f, 0x00]))).toThrow();
    // an error_detail whose message runs past the Status it sits in
    expect(() => decodeSdsRequest(Buffer.from([0x32, 0x02, 0x12, 0x05, 0x61, 0x62, 0x63, 0x64, 0x65]))).toThrow();
    // a varint that never ends
    expect(() => decodeSdsDeltaRequest(Buffer.from([0x08, ...Array(64).fill(0xff)]))).toThrow();
  });

  it('skips known field numbers sent with another wire type instead of misreading them', () => {
    // version_info (1) as a varint, type_url (4) as a fixed32: neither is taken
    expect(decodeSdsRequest(Buffer.from([0x08, 0x96, 0x01, 0x25, 1, 2, 3, 4]))).toEqual({});
    expect(decodeSdsDeltaRequest(Buffer.from([0x10, 0x01]))).toEqual({});
  });

  it('decodes a large request (10,000 names) without trouble', () => {
    const names = Array.from({ length: 10_000 }, (_, i) => `secret-${i}`);
    expect(decodeSdsRequest(Buffer.from(encode(types.request, { resource_names: names }))).resource_names).toEqual(names);
  });
});
