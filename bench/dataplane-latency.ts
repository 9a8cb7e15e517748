// Latency a sidecar Envoy adds per hop: 10,000 sequential keep-alive requests on loopback,
// direct to the upstream and through the sidecar, without and with resilience features.
import http from 'node:http';
import { startTestTrellis } from '../test/support/local-trellis.ts';
import { startSidecar } from '../test/support/sidecar.ts';
import { startUpstream } from '../test/support/upstream.ts';
import { waitFor } from '../test/support/ports.ts';
import { percentile, ms } from './stats.ts';

const N = Number(process.env.DATAPLANE_REQUESTS ?? 10_000);
const HOST = 'echo.bench.svc.cluster.local';
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function once(url: string, host?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    http
      .get(url, { agent, headers: host ? { host } : {} }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - t0) : reject(new Error(`status ${res.statusCode}`))));
      })
      .on('error', reject);
  });
}

async function measure(url: string, host?: string): Promise<{ p50: number; p99: number }> {
  for (let i = 0; i < 500; i++) await once(url, host);
  const samples: number[] = [];
  for (let i = 0; i < N; i++) samples.push(await once(url, host));
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

const trellis = await startTestTrellis();
const upstream = await startUpstream('echo');
try {
  await trellis.api('PUT', '/v1/meshes/bench', {});
  await trellis.api('POST', '/v1/meshes/bench/apply', [
    { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 'echo', namespace: 'bench' }, spec: { hosts: [HOST], location: 'MESH_INTERNAL', resolution: 'STATIC', ports: [{ number: 80, name: 'http', protocol: 'HTTP' }], endpoints: [{ address: '127.0.0.1', ports: { http: upstream.port } }] } },
  ]);
  const sidecar = await startSidecar({ xdsPort: Number(trellis.xdsAddress.split(':')[1]), mesh: 'bench', namespace: 'bench', workload: 'client' });
  await waitFor(async () => (await once(sidecar.outbound, HOST).then(() => true, () => false)), 'sidecar', 20_000, 100);

  const direct = await measure(`http://127.0.0.1:${upstream.port}/`);
  const plain = await measure(sidecar.outbound, HOST);

  const resilience = await trellis.api('POST', '/v1/meshes/bench/apply', [
    { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'echo', namespace: 'bench' }, spec: { hosts: [HOST], http: [{ route: [{ destination: { host: HOST } }], timeout: '2s', retries: { attempts: 3, perTryTimeout: '500ms', retryOn: '5xx,connect-failure' } }] } },
    { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'echo', namespace: 'bench' }, spec: { host: HOST, trafficPolicy: { connectionPool: { tcp: { maxConnections: 100 }, http: { http1MaxPendingRequests: 100, maxRequestsPerConnection: 0 } }, outlierDetection: { consecutive5xxErrors: 5, interval: '10s', baseEjectionTime: '30s' } } } },
  ]);
  if (resilience.status !== 200) throw new Error(`apply failed: ${JSON.stringify(resilience.json)}`);
  await new Promise((r) => setTimeout(r, 1000));
  const resilient = await measure(sidecar.outbound, HOST);

  console.log(`direct to upstream:                 p50 ${ms(direct.p50)}, p99 ${ms(direct.p99)} (${N} sequential keep-alive requests)`);
  console.log(`through the sidecar:                p50 ${ms(plain.p50)}, p99 ${ms(plain.p99)} → Envoy adds p50 ${ms(plain.p50 - direct.p50)}, p99 ${ms(plain.p99 - direct.p99)}`);
  console.log(`with retries, timeout, pool, outlier: p50 ${ms(resilient.p50)}, p99 ${ms(resilient.p99)} → Envoy adds p50 ${ms(resilient.p50 - direct.p50)}, p99 ${ms(resilient.p99 - direct.p99)}`);
  await sidecar.envoy.stop();
} finally {
  agent.destroy();
  await upstream.close();
  await trellis.close();
}
