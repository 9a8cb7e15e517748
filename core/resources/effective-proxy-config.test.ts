import { describe, expect, it } from 'vitest';
import { effectiveProxySettings, type ProxyConfigSource } from './effective-proxy-config.ts';

const pc = (namespace: string, name: string, spec: ProxyConfigSource['spec']): ProxyConfigSource => ({ namespace, name, spec });
const web = { namespace: 'shop', labels: { app: 'web', version: 'v1' } };

describe('effective ProxyConfig for a workload', () => {
  it('is empty without configs', () => {
    expect(effectiveProxySettings([], web)).toEqual({ sources: [] });
  });

  it('takes each field from the most specific config: workload, then namespace, then mesh', () => {
    const configs = [
      pc('istio-system', 'mesh', { concurrency: 2, environmentVariables: { A: 'mesh', B: 'mesh' } }),
      pc('shop', 'namespace', { environmentVariables: { B: 'namespace', C: 'namespace' } }),
      pc('shop', 'web', { selector: { matchLabels: { app: 'web' } }, environmentVariables: { C: 'web' } }),
    ];
    expect(effectiveProxySettings(configs, web)).toEqual({ concurrency: 2, environmentVariables: { A: 'mesh', B: 'namespace', C: 'web' }, sources: ['shop/web', 'shop/namespace', 'istio-system/mesh'] });
  });

  it('lets a workload config override the mesh concurrency, 0 included (one worker per core)', () => {
    const configs = [pc('trellis-system', 'mesh', { concurrency: 2 }), pc('shop', 'web', { selector: { matchLabels: { app: 'web' } }, concurrency: 0 })];
    expect(effectiveProxySettings(configs, web)).toEqual({ concurrency: 0, sources: ['shop/web'] });
  });

  it('ignores configs of other namespaces, selectors that do not match, and selected configs in the root namespace', () => {
    const configs = [
      pc('other', 'namespace', { concurrency: 9 }),
      pc('shop', 'orders', { selector: { matchLabels: { app: 'orders' } }, concurrency: 8 }),
      pc('istio-system', 'gateways', { selector: { matchLabels: { app: 'web' } }, concurrency: 7 }),
    ];
    expect(effectiveProxySettings(configs, web)).toEqual({ sources: [] });
  });

  it('takes several configs of one level in name order', () => {
    const configs = [pc('shop', 'b', { concurrency: 4 }), pc('shop', 'a', { concurrency: 3 })];
    expect(effectiveProxySettings(configs, web).concurrency).toBe(3);
  });

  it('reads a root-namespace workload from its own namespace only', () => {
    const configs = [pc('istio-system', 'mesh', { concurrency: 2 })];
    expect(effectiveProxySettings(configs, { namespace: 'istio-system', labels: {} })).toEqual({ concurrency: 2, sources: ['istio-system/mesh'] });
  });
});
