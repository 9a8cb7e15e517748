import { describe, expect, it } from 'vitest';
import { checkObject } from './check-object.ts';
import { findMessageType } from './envoy-root.ts';

const struct = findMessageType('google.protobuf.Struct')!;
const cluster = findMessageType('envoy.config.cluster.v3.Cluster')!;

/** A Struct nested `levels` deep through struct values (two messages per level). */
function nested(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = { fields: {} };
  for (let i = 0; i < levels; i++) value = { fields: { k: { structValue: value } } };
  return value;
}

describe('checkObject', () => {
  it('accepts a well-formed message and reports nothing', () => {
    expect(checkObject(cluster, { name: 'c', type: 'EDS', connect_timeout: { seconds: 1 }, metadata: { filter_metadata: { a: nested(3) } } })).toEqual([]);
  });

  it('names every problem with its path through lists, maps and the message an Any holds', () => {
    const errors = checkObject(cluster, {
      name: 7,
      load_assignment: { cluster_name: 'c', endpoints: [{}, { lb_endpoints: [{ endpoint: { address: { socket_address: { port_value: 'x' } } } }] }] },
      typed_extension_protocol_options: {
        ok: { '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions', common_http_protocol_options: { idle_timeoutt: {} } },
        bad: { '@type': 'type.googleapis.com/no.such.Type' },
      },
      transport_socket: { name: 't', typed_config: { '@type': 42 } },
    });
    expect(errors).toEqual([
      { path: 'name', message: 'expected a string' },
      { path: 'load_assignment.endpoints[1].lb_endpoints[0].endpoint.address.socket_address.port_value', message: 'expected an integer' },
      { path: 'typed_extension_protocol_options["ok"]<HttpProtocolOptions>.common_http_protocol_options.idle_timeoutt', message: expect.stringContaining('unknown field of envoy.config.core.v3.HttpProtocolOptions') },
      { path: 'typed_extension_protocol_options["bad"].@type', message: 'unknown type type.googleapis.com/no.such.Type (its .proto is not loaded)' },
      { path: 'transport_socket.typed_config.@type', message: 'must be a type URL string' },
    ]);
  });

  it('refuses two members of one oneof, naming the second', () => {
    expect(checkObject(cluster, { name: 'c', type: 'EDS', cluster_type: { name: 'x' } })).toEqual([{ path: 'cluster_type', message: 'only one of cluster_discovery_type may be set (also type)' }]);
  });

  it('refuses a message nested past 100 levels, where it goes too deep, and accepts one within', () => {
    expect(checkObject(struct, nested(50))).toEqual([]);
    const errors = checkObject(struct, nested(60));
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toBe('nested too deeply');
    // Struct and Value alternate: the Value at level 51 is the 102nd message.
    expect(errors[0]!.path).toBe(Array.from({ length: 51 }, () => 'fields["k"]').join('.structValue.'));
  });

  it('ignores keys an object inherits, checking only its own', () => {
    const proto = { bogus: 1 };
    const object = Object.assign(Object.create(proto) as Record<string, unknown>, { name: 'c' });
    expect(checkObject(cluster, object)).toEqual([]);
  });
});
