import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startEnvoy, type RunningEnvoy } from '../../../test/support/envoy.ts';
import { freePort, waitFor } from '../../../test/support/ports.ts';
import { checkPrometheusText, type CheckedSample } from '../../../test/support/prometheus-check.ts';
import { startUpstream, type Upstream } from '../../../test/support/upstream.ts';
import { statsConfig } from '../../bootstrap/stats-config.ts';
import { istioMetrics } from './istio-metrics.ts';
import { parsePrometheusText } from './prometheus-text.ts';

/** HTTP clusters by host, as Trellis names them; hosts chosen to trip a naive split of stat names. */
const HTTP_CLUSTERS = ['outbound|80|v1|web.shop.svc.cluster.local', 'outbound|80||api.internal.example.com', 'outbound|8080||reviews', 'inbound|9080||'];
const TCP_CLUSTER = 'outbound|5432||db.data.svc.cluster.local';
const ME = { workload: 'web', namespace: 'shop', labels: { app: 'web', version: 'v3' }, principal: 'spiffe://demo.default.trellis.local/ns/shop/sa/web' };

const staticCluster = (name: string, port: number, sizes: boolean) => ({
  name,
  type: 'STATIC',
  connect_timeout: '1s',
  ...(sizes ? { track_cluster_stats: { request_response_sizes: true } } : {}),
  load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } }] }] },
});

let envoy: RunningEnvoy;
let upstream: Upstream;
let echo: net.Server;
let httpPort: number;
let tcpPort: number;

beforeAll(async () => {
  upstream = await startUpstream('web');
  echo = net.createServer((s) => s.pipe(s));
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  const [adminPort, h, t] = [await freePort(), await freePort(), await freePort()];
  [httpPort, tcpPort] = [h, t];
  const router = { name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } };
  const bootstrap = {
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: adminPort } } },
    stats_config: statsConfig(),
    static_resources: {
      listeners: [
        {
          name: 'http',
          address: { socket_address: { address: '127.0.0.1', port_value: httpPort } },
          filter_chains: [{ filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: {
            '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
            stat_prefix: 'outbound_http',
            route_config: { virtual_hosts: HTTP_CLUSTERS.map((c, i) => ({ name: `vh${i}`, domains: [`h${i}`], routes: [{ match: { prefix: '/' }, route: { cluster: c } }] })) },
            http_filters: [router],
          } }] }],
        },
        {
          name: 'tcp',
          address: { socket_address: { address: '127.0.0.1', port_value: tcpPort } },
          filter_chains: [{ filters: [{ name: 'envoy.filters.network.tcp_proxy', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy', stat_prefix: TCP_CLUSTER, cluster: TCP_CLUSTER } }] }],
        },
      ],
      clusters: [...HTTP_CLUSTERS.map((c) => staticCluster(c, upstream.port, true)), staticCluster(TCP_CLUSTER, (echo.address() as AddressInfo).port, false)],
    },
  };
  envoy = await startEnvoy(stringify(bootstrap), adminPort);
}, 30_000);

afterAll(async () => {
  await envoy?.stop();
  await upstream?.close();
  await new Promise((resolve) => echo?.close(resolve));
});

/** A POST through the HTTP listener to the virtual host `host`; resolves to the status. */
function post(host: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: httpPort, method: 'POST', path: '/', headers: { host, 'content-length': body.length }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Sends `payload` through the TCP listener, reads the echo, and closes. */
function tcpRoundTrip(payload: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(tcpPort, '127.0.0.1', () => socket.write(payload));
    let got = '';
    socket.on('data', (b) => {
      got += b.toString();
      if (got.length >= payload.length) socket.end();
    });
    socket.on('close', () => resolve(got));
    socket.on('error', reject);
  });
}

const derived = async (): Promise<CheckedSample[]> => {
  const parsed = parsePrometheusText(await envoy.admin('/stats/prometheus'));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return checkPrometheusText(istioMetrics(new Map(parsed.value.map((f) => [f.name, f])), ME));
};

describe('istioMetrics on a real Envoy bootstrapped with the agent stats_config', () => {
  it('names every service by its whole host, whatever its labels, and takes sizes and TCP traffic from cluster stats', async () => {
    // WHEN each HTTP cluster serves 3 requests with a 100-byte body, and the TCP cluster echoes 1000 bytes once
    for (let i = 0; i < HTTP_CLUSTERS.length; i++) {
      for (let n = 0; n < 3; n++) {
        expect(await post(`h${i}`, 'x'.repeat(100))).toBe(200);
      }
    }
    expect(await tcpRoundTrip('y'.repeat(1000))).toHaveLength(1000);
    let samples: CheckedSample[] = [];
    await waitFor(async () => {
      samples = await derived();
      return samples.filter((s) => s.name === 'istio_request_bytes_count').length === HTTP_CLUSTERS.length && samples.some((s) => s.name === 'istio_tcp_connections_closed_total');
    }, 'Envoy to flush its histograms', 20_000, 250).catch((err: Error) => {
      throw new Error(`${err.message}\n${[...new Set(samples.map((s) => `${s.name} ${s.labels['destination_service']} ${s.value}`))].join('\n')}`);
    });

    // THEN requests are counted per whole host (source) and for the inbound cluster (destination)
    const requests = samples.filter((s) => s.name === 'istio_requests_total');
    expect(requests.map((s) => [s.labels['reporter'], s.labels['destination_service'], s.labels['destination_service_name'], s.labels['destination_service_namespace'], s.labels['destination_version'], s.labels['response_code'], s.value]).sort()).toEqual([
      ['destination', 'unknown', 'unknown', 'unknown', 'v3', '200', 3],
      ['source', 'api.internal.example.com', 'api.internal.example.com', 'unknown', 'unknown', '200', 3],
      ['source', 'reviews', 'reviews', 'unknown', 'unknown', '200', 3],
      ['source', 'web.shop.svc.cluster.local', 'web', 'shop', 'v1', '200', 3],
    ]);
    // AND request body sizes: 3 requests of 100 bytes each, in Istio's size buckets
    const web = { destination_service: 'web.shop.svc.cluster.local' };
    const of = (name: string, labels: Record<string, string>) => samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
    expect(of('istio_request_bytes_count', web).map((s) => s.value)).toEqual([3]);
    expect(of('istio_request_bytes_bucket', web).map((s) => [s.labels['le'], s.value])).toEqual([['1', 0], ['10', 0], ['100', 3], ['1000', 3], ['10000', 3], ['100000', 3], ['1000000', 3], ['10000000', 3], ['100000000', 3], ['+Inf', 3]]);
    expect(of('istio_response_bytes_count', web).map((s) => s.value)).toEqual([3]);
    // AND the TCP service: one connection, 1000 bytes each way; HTTP services have no TCP series
    const db = { destination_service: 'db.data.svc.cluster.local', request_protocol: 'tcp' };
    expect(of('istio_tcp_connections_opened_total', db).map((s) => s.value)).toEqual([1]);
    expect(of('istio_tcp_connections_closed_total', db).map((s) => s.value)).toEqual([1]);
    expect(of('istio_tcp_received_bytes_total', db).map((s) => s.value)).toEqual([1000]);
    expect(of('istio_tcp_sent_bytes_total', db).map((s) => s.value)).toEqual([1000]);
    expect(samples.filter((s) => s.name.startsWith('istio_tcp_') && s.labels['request_protocol'] !== 'tcp')).toEqual([]);
  }, 60_000);

  it("takes the host out of Envoy's own cluster stat names: one family for every service", async () => {
    const parsed = parsePrometheusText(await envoy.admin('/stats/prometheus'));
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const names = parsed.value.map((f) => f.name);
    expect(names.filter((n) => /svc_cluster_local|example_com|internal_example/.test(n))).toEqual([]);
    const rq = parsed.value.find((f) => f.name === 'envoy_cluster_upstream_rq_total')!;
    expect(new Set(rq.samples.map((s) => s.labels['destination_service']).filter(Boolean))).toEqual(new Set(['web.shop.svc.cluster.local', 'api.internal.example.com', 'reviews', 'db.data.svc.cluster.local']));
  });
});

describe('istioMetrics with Telemetry overrides', () => {
  // Two subsets of one service: the same series but for destination_version.
  const labels = (subset: string) => `envoy_cluster_name="outbound|80|${subset}|web",destination_service="web.shop.svc.cluster.local"`;
  const subsets = ['v1', 'v2'] as const;
  // Text-format families keep their samples together: counters of both subsets, then the histograms.
  const envoyText = [
    '# TYPE envoy_cluster_upstream_rq counter',
    ...subsets.map((v, i) => `envoy_cluster_upstream_rq{${labels(v)},envoy_response_code="200"} ${10 + i}`),
    '# TYPE envoy_cluster_upstream_rq_time histogram',
    ...subsets.flatMap((v, i) => [
      `envoy_cluster_upstream_rq_time_bucket{${labels(v)},le="5"} ${1 + i}`,
      `envoy_cluster_upstream_rq_time_bucket{${labels(v)},le="10"} ${2 + i}`,
      `envoy_cluster_upstream_rq_time_bucket{${labels(v)},le="+Inf"} ${2 + i}`,
      `envoy_cluster_upstream_rq_time_sum{${labels(v)}} ${7 + i}`,
      `envoy_cluster_upstream_rq_time_count{${labels(v)}} ${2 + i}`,
    ]),
  ].join('\n');
  const families = () => {
    const parsed = parsePrometheusText(`${envoyText}\n`);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    return new Map(parsed.value.map((f) => [f.name, f]));
  };
  const samplesOf = (text: string) => {
    const parsed = parsePrometheusText(text);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    return parsed.value.flatMap((f) => f.samples);
  };

  it('sums coinciding series once a tag is removed: counters add up, histogram buckets, sums and counts too', () => {
    const text = istioMetrics(families(), ME, { CLIENT: { istio_requests_total: { removeTags: ['destination_version'] }, istio_request_duration_milliseconds: { removeTags: ['destination_version'] } } });
    const samples = samplesOf(text);
    expect(samples.filter((s) => s.name === 'istio_requests_total').map((s) => [s.labels['destination_version'], s.value])).toEqual([[undefined, 21]]);
    expect(samples.filter((s) => s.name === 'istio_request_duration_milliseconds_bucket').map((s) => [s.labels['le'], s.value])).toEqual([['5', 3], ['10', 5], ['+Inf', 5]]);
    expect(samples.filter((s) => s.name === 'istio_request_duration_milliseconds_sum').map((s) => s.value)).toEqual([15]);
  });

  it('drops a disabled family on its side only', () => {
    const samples = samplesOf(istioMetrics(families(), ME, { SERVER: { istio_requests_total: { disabled: true } }, CLIENT: { istio_request_duration_milliseconds: { disabled: true } } }));
    expect(samples.filter((s) => s.name === 'istio_requests_total')).toHaveLength(2);
    expect(samples.filter((s) => s.name.startsWith('istio_request_duration'))).toEqual([]);
  });
});
