import { describe, expect, it } from 'vitest';
import { docs, run, service, workload } from '../testing/mesh.ts';
import { strictMtlsPlaintextCallers } from './strict-mtls-plaintext-callers.ts';

const strict = `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: default, namespace: payments }
spec:
  mtls: { mode: STRICT }
`;
const legacyRoute = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: to-payments, namespace: legacy }
spec:
  hosts: [payments.payments.svc.cluster.local]
  http: [{ route: [{ destination: { host: payments.payments.svc.cluster.local } }] }]
`;

describe('TRL0109 STRICT mTLS with plaintext callers', () => {
  it('fires when a sidecar-less WorkloadEntry has a route to the STRICT namespace', () => {
    const findings = run(strictMtlsPlaintextCallers, docs(service('payments', 'payments'), workload('batch', { app: 'batch' }, 'legacy'), legacyRoute, strict));
    expect(findings).toMatchObject([{ code: 'TRL0109', path: 'spec.mtls.mode', related: [{ kind: 'WorkloadEntry', name: 'batch' }, { kind: 'VirtualService', name: 'to-payments' }] }]);
    expect(findings[0]!.message).toContain('not observed traffic');
  });

  it('does not fire when that caller is an auto-registered sidecar', () => {
    expect(run(strictMtlsPlaintextCallers, docs(service('payments', 'payments'), workload('batch', { app: 'batch' }, 'legacy', true), legacyRoute, strict))).toEqual([]);
  });
});
