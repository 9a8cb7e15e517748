import { describe, expect, it } from 'vitest';
import { CachedResource } from '../cache/cached-resource.ts';
import { CLUSTER_TYPE_URL } from '../protos/index.ts';
import { createMetricsRegistry } from './registry.ts';
import { XdsMetrics } from './xds-metrics.ts';

describe('XdsMetrics', () => {
  it('counts each response and observes the encoded size of the resources it carried', async () => {
    const registry = createMetricsRegistry();
    const hooks = new XdsMetrics(registry).hooks();
    const counters = { resources: 0, wrappers: 0 };
    const resources = [new CachedResource(CLUSTER_TYPE_URL, 'a', '1', new Uint8Array(10), [], counters), new CachedResource(CLUSTER_TYPE_URL, 'b', '1', new Uint8Array(20), [], counters)];
    const stream = { streamId: 's', proxyId: 'p', scope: 'scope', protocol: 'delta' as const, peer: '127.0.0.1' };
    hooks.onSend?.({ ...stream, typeUrl: CLUSTER_TYPE_URL, nonce: '1', version: 'v', resources, removed: [] });
    hooks.onSend?.({ ...stream, typeUrl: CLUSTER_TYPE_URL, nonce: '2', version: 'v', resources: [], removed: ['a'] });
    const metrics = await registry.getMetricsAsJSON();
    const pushes = metrics.find((m) => m.name === 'trellis_xds_pushes_total')!.values.find((v) => v.labels['type'] === 'cds');
    expect(pushes?.value).toBe(2);
    const bytes = metrics.find((m) => m.name === 'trellis_xds_push_bytes')!.values as { metricName?: string; labels: Record<string, unknown>; value: number }[];
    expect(bytes.find((v) => v.metricName === 'trellis_xds_push_bytes_sum' && v.labels['type'] === 'cds')?.value).toBe(30);
    expect(bytes.find((v) => v.metricName === 'trellis_xds_push_bytes_count' && v.labels['type'] === 'cds')?.value).toBe(2);
  });
});
