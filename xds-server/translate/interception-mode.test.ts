import { describe, expect, it } from 'vitest';
import { proxyGroupKey, type ProxyDescriptor } from './proxy-descriptor.ts';

const SIDECAR: ProxyDescriptor = { kind: 'sidecar', namespace: 'shop', serviceAccount: 'web', workload: 'web-1', labels: { app: 'web' }, inbound: { port: 8080, bindAddress: '10.0.0.1' } };

describe('interception mode in the cache scope', () => {
  it('NONE and absent share a key without a mode part; the address and app port are not in it', () => {
    // Prepare / Act
    const absent = proxyGroupKey(SIDECAR);
    const none = proxyGroupKey({ ...SIDECAR, interceptionMode: 'NONE' });
    // Assess
    expect(none).toBe(absent);
    expect(absent).toBe('sidecar|ns=shop|labels=app=web|in=15006|out=15001');
  });

  it('separates REDIRECT proxies from local-mode ones', () => {
    expect(proxyGroupKey({ ...SIDECAR, interceptionMode: 'REDIRECT' })).toBe(`${proxyGroupKey(SIDECAR)}|redirect`);
  });
});
