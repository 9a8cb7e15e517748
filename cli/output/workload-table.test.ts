import { describe, expect, it } from 'vitest';
import type { WorkloadView } from '../api-types.ts';
import { workloadIdentity, workloadTable } from './workload-table.ts';

const NOW = new Date('2026-05-01T12:00:00Z');

const workload = (over: Partial<WorkloadView>): WorkloadView => ({
  id: 'id',
  name: 'cart-1a2b3c4d5e',
  namespace: 'shop',
  serviceAccount: 'cart',
  address: '10.0.0.7',
  labels: {},
  source: 'proxy',
  replica: 'xds-0',
  since: '2026-05-01T11:55:00Z',
  expiresAt: '2026-05-01T12:01:00Z',
  ...over,
});

describe('workloadIdentity', () => {
  it('is the SPIFFE ID the workload proved, else the namespace and service account it claimed', () => {
    expect(workloadIdentity(workload({ spiffeId: 'spiffe://default.demo.trellis/ns/shop/sa/cart' }))).toBe('spiffe://default.demo.trellis/ns/shop/sa/cart');
    expect(workloadIdentity(workload({}))).toBe('ns/shop/sa/cart (claimed)');
  });
});

describe('workloadTable', () => {
  it('shows name, namespace, group, identity, address, sorted labels, locality, replica and age, sorted by namespace and name', () => {
    const out = workloadTable(
      [
        workload({ name: 'web-0', namespace: 'web', serviceAccount: 'web', since: '2026-05-01T09:00:00Z' }),
        workload({ group: 'shop/cart', spiffeId: 'spiffe://default.demo.trellis/ns/shop/sa/cart', labels: { version: 'v1', app: 'cart' }, locality: 'eu-west-1/eu-west-1a' }),
      ],
      NOW,
    );
    expect(out.split('\n')).toEqual([
      'NAME              NAMESPACE   GROUP       IDENTITY                                        ADDRESS    LABELS                LOCALITY               REPLICA   SINCE',
      'cart-1a2b3c4d5e   shop        shop/cart   spiffe://default.demo.trellis/ns/shop/sa/cart   10.0.0.7   app=cart,version=v1   eu-west-1/eu-west-1a   xds-0     5m',
      'web-0             web         -           ns/web/sa/web (claimed)                         10.0.0.7   <none>                -                      xds-0     3h',
      '',
    ]);
  });
});
