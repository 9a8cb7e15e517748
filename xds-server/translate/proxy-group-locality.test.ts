import { describe, expect, it } from 'vitest';
import { proxyGroupKey, type ProxyDescriptor } from './proxy-descriptor.ts';

const proxy: ProxyDescriptor = { kind: 'sidecar', namespace: 'shop', serviceAccount: 'web', workload: 'web-1', labels: { app: 'web' }, inbound: undefined };

describe('proxy group key and locality', () => {
  it('separates proxies in different localities (their load assignments differ)', () => {
    expect(proxyGroupKey({ ...proxy, locality: 'us-east-1/a' })).not.toBe(proxyGroupKey({ ...proxy, locality: 'us-east-1/b' }));
  });

  it('leaves the key of a proxy without a locality as it was', () => {
    expect(proxyGroupKey(proxy)).toBe('sidecar|ns=shop|labels=app=web|out=15001');
  });
});
