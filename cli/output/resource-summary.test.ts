import { describe, expect, it } from 'vitest';
import type { StoredResource } from '../api-types.ts';
import { summaryColumns } from './resource-summary.ts';

describe('summaryColumns', () => {
  it('shows a WorkloadGroup by its service account and the labels it fixes (template and metadata)', () => {
    const group = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'WorkloadGroup',
      metadata: { name: 'reviews-vms', namespace: 'shop', resourceVersion: '3' },
      spec: { metadata: { labels: { version: 'v2' } }, template: { serviceAccount: 'reviews', labels: { app: 'reviews' } } },
    } as unknown as StoredResource;
    const columns = summaryColumns('WorkloadGroup');
    expect(columns.headers).toEqual(['SERVICE ACCOUNT', 'LABELS']);
    expect(columns.cells(group)).toEqual(['reviews', 'app=reviews,version=v2']);
  });
});
