import { describe, expect, it } from 'vitest';
import { docs, run } from '../testing/mesh.ts';
import { gatewayNotFound } from './gateway-not-found.ts';

const gateway = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: edge, namespace: ingress }
spec:
  selector: { istio: ingressgateway }
  servers: [{ port: { number: 80, name: http, protocol: HTTP }, hosts: ["*"] }]
`;
const vs = (gateways: string) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: shop, namespace: shop }
spec:
  hosts: [shop.example.com]
  gateways: [${gateways}]
  http: [{ route: [{ destination: { host: frontend } }] }]
`;

describe('TRL0107 gateway not found', () => {
  it('fires for a gateway in the wrong namespace', () => {
    expect(run(gatewayNotFound, docs(gateway, vs('mesh, edge')))).toMatchObject([{ code: 'TRL0107', path: 'spec.gateways[1]' }]);
  });

  it('does not fire for mesh and a namespaced reference that exists', () => {
    expect(run(gatewayNotFound, docs(gateway, vs('mesh, ingress/edge')))).toEqual([]);
  });
});
