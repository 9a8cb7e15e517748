import { describe, expect, it } from 'vitest';
import { STATUS_ANNOTATION } from '../sidecar/injector/annotations.ts';
import { INJECTED_POD_ANNOTATION, keepPod, keepService, keepSlice, namespaceDocument } from './namespace-view.ts';

const service = keepService({ metadata: { name: 'ratings' }, spec: { clusterIP: '10.96.0.12', selector: { app: 'ratings' }, ports: [{ name: 'http', port: 9080 }] } });
const slice = keepSlice({
  metadata: { name: 'ratings-abc', labels: { 'kubernetes.io/service-name': 'ratings' } },
  addressType: 'IPv4',
  ports: [{ name: 'http', port: 9080 }],
  endpoints: [
    { addresses: ['10.0.0.1'], conditions: { ready: true }, targetRef: { kind: 'Pod', name: 'plain' } },
    { addresses: ['10.0.0.2'], conditions: { ready: true }, targetRef: { kind: 'Pod', name: 'injected' } },
    { addresses: ['10.0.0.3'], conditions: { ready: false }, targetRef: { kind: 'Pod', name: 'starting' } },
  ],
});
const pod = (name: string, annotations?: Record<string, string>) => keepPod({ metadata: { name, labels: { app: 'ratings' }, ...(annotations ? { annotations } : {}) }, spec: { serviceAccountName: 'bookinfo-ratings' } });

describe('namespaceDocument', () => {
  it('reads injection as the webhook marks it', () => {
    expect(INJECTED_POD_ANNOTATION).toBe(STATUS_ANNOTATION);
  });

  it("leaves out injected pods, whose sidecars register their own endpoint, and not-ready ones; keeps the Service's cluster IP", () => {
    // Prepare
    const pods = new Map([pod('plain'), pod('injected', { [STATUS_ANNOTATION]: '{"containers":["trellis-proxy"]}' }), pod('starting')].map((p) => [p.name, p]));
    // Act
    const doc = namespaceDocument([service], [slice], pods);
    // Assess
    expect(doc.services).toEqual([{ name: 'ratings', clusterIP: '10.96.0.12', selector: { app: 'ratings' }, ports: [{ name: 'http', port: 9080 }] }]);
    expect(doc.endpoints).toEqual([{ pod: 'plain', address: '10.0.0.1', labels: { app: 'ratings' }, serviceAccount: 'bookinfo-ratings', ports: { http: 9080 } }]);
  });

  it('sends no address for a headless Service', () => {
    const headless = keepService({ metadata: { name: 'db' }, spec: { clusterIP: 'None', ports: [{ name: 'tcp-db', port: 5432 }] } });
    expect(namespaceDocument([headless], [], new Map()).services[0]).not.toHaveProperty('clusterIP');
  });
});
