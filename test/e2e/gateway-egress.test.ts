import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestTrellis, type TestTrellis } from '../support/local-trellis.ts';
import { startGateway, type TestGateway } from '../support/gateway.ts';
import { startSidecar, type TestSidecar } from '../support/sidecar.ts';
import { get, startUpstream, type Upstream } from '../support/upstream.ts';
import { apply, clusterStat, eventually } from '../support/traffic.ts';

const MESH = 'egress';
const EXTERNAL = 'edition.example.com';
const GATEWAY_SERVICE = 'istio-egressgateway.istio-system.svc.cluster.local';

let trellis: TestTrellis;
let external: Upstream;
let gateway: TestGateway;
let sidecar: TestSidecar;

// Istio's egress gateway task, on loopback: the "external" host is a local upstream.
const manifests = (externalPort: number, gatewayPort: number) => `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: edition, namespace: shop }
spec:
  hosts: [${EXTERNAL}]
  location: MESH_EXTERNAL
  resolution: STATIC
  ports: [{ number: 80, name: http, protocol: HTTP }]
  endpoints: [{ address: 127.0.0.1, ports: { http: ${externalPort} } }]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: egressgateway, namespace: istio-system }
spec:
  hosts: [${GATEWAY_SERVICE}]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{ number: 80, name: http, protocol: HTTP }]
  endpoints: [{ address: 127.0.0.1, ports: { http: ${gatewayPort} } }]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: istio-egressgateway, namespace: shop }
spec:
  selector: { istio: egressgateway }
  servers:
    - port: { number: 80, name: http, protocol: HTTP }
      hosts: [${EXTERNAL}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: direct-through-egress-gateway, namespace: shop }
spec:
  hosts: [${EXTERNAL}]
  gateways: [istio-egressgateway, mesh]
  http:
    - match: [{ gateways: [mesh], port: 80 }]
      route: [{ destination: { host: ${GATEWAY_SERVICE}, port: { number: 80 } } }]
    - match: [{ gateways: [istio-egressgateway], port: 80 }]
      route: [{ destination: { host: ${EXTERNAL}, port: { number: 80 } } }]
`;

beforeAll(async () => {
  trellis = await startTestTrellis();
  external = await startUpstream('external');
  expect((await trellis.api('PUT', `/v1/meshes/${MESH}`, {})).status).toBe(201);
  const xdsPort = Number(trellis.xdsAddress.split(':')[1]);
  gateway = await startGateway({ xdsPort, mesh: MESH, namespace: 'istio-system', workload: 'egressgateway', labels: { istio: 'egressgateway' }, serverPorts: [80] });
  await apply(trellis, MESH, manifests(external.port, gateway.ports[80]!));
  sidecar = await startSidecar({ xdsPort, mesh: MESH, namespace: 'shop', workload: 'sleep', labels: { app: 'sleep' } });
  await eventually(async () => (await get(sidecar.outbound, { host: EXTERNAL })).servedBy === 'external', 'the external host through the egress gateway', 20_000);
}, 60_000);

afterAll(async () => {
  await sidecar?.envoy.stop();
  await gateway?.stop();
  await trellis?.close();
  await external?.close();
});

describe('an Envoy egress gateway', () => {
  it('carries mesh traffic for an external host: sidecar → gateway → external', async () => {
    const sidecarBefore = await clusterStat(sidecar.envoy, `outbound|80||${GATEWAY_SERVICE}`, 'upstream_rq_total');
    const gatewayBefore = await clusterStat(gateway.envoy, `outbound|80||${EXTERNAL}`, 'upstream_rq_total');
    for (let i = 0; i < 20; i++) expect(await get(sidecar.outbound, { host: EXTERNAL })).toMatchObject({ status: 200, servedBy: 'external' });
    // The sidecar never reaches the external host itself: every request went through the gateway.
    expect(await clusterStat(sidecar.envoy, `outbound|80||${EXTERNAL}`, 'upstream_rq_total')).toBe(0);
    await eventually(async () => (await clusterStat(sidecar.envoy, `outbound|80||${GATEWAY_SERVICE}`, 'upstream_rq_total')) - sidecarBefore >= 20, 'sidecar stats');
    await eventually(async () => (await clusterStat(gateway.envoy, `outbound|80||${EXTERNAL}`, 'upstream_rq_total')) - gatewayBefore >= 20, 'gateway stats');
  });
});
