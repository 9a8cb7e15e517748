import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { findMessageType } from '../protos/index.ts';
import { decodeDeltaRequest, decodeSotwRequest } from './codec.ts';

const delta = findMessageType('envoy.service.discovery.v3.DeltaDiscoveryRequest')!;
const sotw = findMessageType('envoy.service.discovery.v3.DiscoveryRequest')!;

const node = {
  id: 'sidecar~10.0.0.7~web-1.shop~shop.svc.cluster.local',
  cluster: 'web.shop',
  metadata: { fields: { MESH: { string_value: 'default' }, INSTANCE_IP: { string_value: '10.0.0.7' } } },
  locality: { region: 'eu-west-1', zone: 'eu-west-1a' },
  user_agent_name: 'envoy',
  user_agent_build_version: { version: { major_number: 1, minor_number: 40, patch: 0 } },
  extensions: Array.from({ length: 3 }, (_, i) => ({ name: `envoy.filters.http.f${i}`, category: 'envoy.filters.http', type_urls: [`type.googleapis.com/f${i}`] })),
  client_features: ['envoy.lb.does_not_support_overprovisioning'],
};
const encode = (type: typeof delta, object: Record<string, unknown>) => Buffer.from(type.encode(type.fromObject(object)).finish());
const plain = (type: typeof delta, bytes: Buffer) => type.toObject(type.decode(bytes), { longs: String, enums: String, defaults: true, arrays: true, objects: true, oneofs: true });

describe('xDS request decoding', () => {
  it('decodes every field of the node but the extensions Envoy lists, for delta and SotW', () => {
    for (const [type, decode, request] of [
      [delta, decodeDeltaRequest, { node, type_url: 'type.googleapis.com/envoy.config.cluster.v3.Cluster', resource_names_subscribe: ['*'] }],
      [sotw, decodeSotwRequest, { node, version_info: 'v1', type_url: 'type.googleapis.com/envoy.config.cluster.v3.Cluster', resource_names: ['a'], response_nonce: '7' }],
    ] as const) {
      const bytes = encode(type, request);
      const expected = plain(type, bytes) as { node: Record<string, unknown> };
      expect((expected.node['extensions'] as unknown[]).length).toBe(3);
      expected.node['extensions'] = [];
      expect(decode(bytes)).toEqual(expected);
    }
  });

  it('cuts the extensions of every node field in a request, and leaves a request without node as it is', () => {
    const first = encode(delta, { node: { id: 'a', extensions: node.extensions }, type_url: 'type.googleapis.com/envoy.config.listener.v3.Listener' });
    const second = encode(delta, { node: { cluster: 'c', extensions: node.extensions.slice(0, 1) } });
    const twice = Buffer.concat([first, second]);
    const expected = plain(delta, twice) as { node: Record<string, unknown> };
    expect((expected.node['extensions'] as unknown[]).length).toBeGreaterThan(0);
    expect(decodeDeltaRequest(twice)).toEqual({ ...expected, node: { ...expected.node, extensions: [] } });
    const bare = encode(delta, { type_url: 'type.googleapis.com/envoy.config.listener.v3.Listener', response_nonce: '3' });
    expect(decodeDeltaRequest(bare)).toEqual(plain(delta, bare));
  });

  it('refuses a request cut inside a field, which the decoder alone reads as a shorter one, and names the field', () => {
    const bytes = encode(delta, { node, type_url: 'type.googleapis.com/envoy.config.cluster.v3.Cluster', response_nonce: '12' });
    // Where the request's own fields end: a cut there leaves a whole, shorter request.
    const boundaries = new Set<number>();
    const reader = protobuf.Reader.create(bytes);
    while (reader.pos < reader.len) {
      reader.skipType(reader.uint32() & 7);
      boundaries.add(reader.pos);
    }
    let refused = 0;
    let decoderAccepted = 0;
    for (let cut = 1; cut < bytes.length; cut++) {
      const truncated = bytes.subarray(0, cut);
      if (boundaries.has(cut)) {
        expect(decodeDeltaRequest(truncated)).toEqual(decodeDeltaRequest(Buffer.from(truncated)));
        continue;
      }
      expect(() => decodeDeltaRequest(truncated)).toThrow(/^field \d+ of the (request|node) at byte \d+ is malformed: /);
      refused++;
      try {
        delta.decode(truncated);
        decoderAccepted++;
      } catch {
        // The decoder finds this one itself.
      }
    }
    expect(refused).toBeGreaterThan(100);
    expect(decoderAccepted).toBeGreaterThan(0);
    expect(() => decodeSotwRequest(Buffer.from([0x1a, 0x05, 0x61]))).toThrow('field 3 of the request at byte 0 is malformed: its value is 5 bytes long and 1 are left');
    expect(() => decodeSotwRequest(Buffer.from([0x0f]))).toThrow('field 1 of the request at byte 0 is malformed: invalid wire type 7');
  });
});
