import { describe, expect, it } from 'vitest';
import { encodeResource, CLUSTER_TYPE_URL } from '../../protos/index.ts';
import { HTTP_PROTOCOL_OPTIONS_KEY, HTTP_PROTOCOL_OPTIONS_TYPE } from '../envoy/extension-types.ts';
import { inboundPoolFields } from './inbound-pool.ts';

const cluster = (fields: Record<string, unknown>) => ({ name: 'inbound|8080||', type: 'STATIC', connect_timeout: { seconds: 10, nanos: 0 }, ...fields });

describe('inboundPoolFields', () => {
  it('without a pool: the caller’s HTTP version and nothing else, as the inbound clusters always had', () => {
    expect(inboundPoolFields(undefined, true)).toEqual({
      typed_extension_protocol_options: { [HTTP_PROTOCOL_OPTIONS_KEY]: { '@type': HTTP_PROTOCOL_OPTIONS_TYPE, use_downstream_protocol_config: { http_protocol_options: {}, http2_protocol_options: {} } } },
    });
    expect(inboundPoolFields(undefined, false)).toEqual({});
    // An empty pool says nothing either.
    expect(inboundPoolFields({}, true)).toEqual(inboundPoolFields(undefined, true));
  });

  it('sets per-connection HTTP settings next to the caller’s protocol, and HTTP/2 ones inside it', () => {
    const fields = inboundPoolFields({ http: { idleTimeout: '4s', maxRequestsPerConnection: 10, maxConcurrentStreams: 64, http2KeepAlive: { interval: '30s', timeout: '5s' } } }, true);
    expect(fields['typed_extension_protocol_options']).toEqual({
      [HTTP_PROTOCOL_OPTIONS_KEY]: {
        '@type': HTTP_PROTOCOL_OPTIONS_TYPE,
        use_downstream_protocol_config: {
          http_protocol_options: {},
          http2_protocol_options: { max_concurrent_streams: { value: 64 }, connection_keepalive: { interval: { seconds: 30, nanos: 0 }, timeout: { seconds: 5, nanos: 0 } } },
        },
        common_http_protocol_options: { idle_timeout: { seconds: 4, nanos: 0 }, max_requests_per_connection: { value: 10 } },
      },
    });
    expect(fields['circuit_breakers']).toBeUndefined();
    // Envoy's schema takes it.
    expect(() => encodeResource(CLUSTER_TYPE_URL, cluster(fields))).not.toThrow();
  });

  it('sets the connect timeout, TCP keepalive and circuit breakers, for TCP ports too, where no HTTP options appear', () => {
    const pool = { tcp: { connectTimeout: '2s', maxConnections: 20, tcpKeepalive: { time: '60s', probes: 3 } }, http: { http1MaxPendingRequests: 7, http2MaxRequests: 100, maxRetries: 2 } };
    const fields = inboundPoolFields(pool, false);
    expect(fields['typed_extension_protocol_options']).toBeUndefined();
    expect(fields['connect_timeout']).toEqual({ seconds: 2, nanos: 0 });
    expect(fields['upstream_connection_options']).toEqual({ tcp_keepalive: { keepalive_probes: { value: 3 }, keepalive_time: { value: 60 } } });
    expect(fields['circuit_breakers']).toEqual({
      thresholds: [{ max_connections: { value: 20 }, max_pending_requests: { value: 7 }, max_requests: { value: 100 }, max_retries: { value: 2 }, track_remaining: true }],
    });
    // Spread over a cluster, the pool's connect timeout replaces the default in place.
    const built = cluster(fields);
    expect(built.connect_timeout).toEqual({ seconds: 2, nanos: 0 });
    expect(() => encodeResource(CLUSTER_TYPE_URL, built)).not.toThrow();
  });
});
