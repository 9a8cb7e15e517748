import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { redirectRules, type RedirectConfig } from './redirect.ts';

const TESTDATA = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata');

const base: RedirectConfig = {
  proxyUid: 1337,
  inboundPort: 15006,
  outboundPort: 15001,
  includeInboundPorts: [9080],
  excludeInboundPorts: [],
  includeOutboundIpRanges: '*',
  excludeOutboundIpRanges: ['169.254.0.0/16'],
  excludeOutboundPorts: [],
};

describe('redirectRules golden files', () => {
  const cases: Record<string, RedirectConfig> = {
    'default': base,
    'all-inbound-with-exclusions': { ...base, includeInboundPorts: '*', excludeInboundPorts: [22, 9090], excludeOutboundPorts: [5432, 6379], excludeOutboundIpRanges: ['10.96.0.10/32', '169.254.0.0/16'] },
    'outbound-ranges-only': { ...base, includeInboundPorts: [], includeOutboundIpRanges: ['10.100.0.0/16', '172.20.0.0/16'] },
  };
  for (const [name, config] of Object.entries(cases)) {
    it(name, async () => {
      await expect(redirectRules(config)).toMatchFileSnapshot(path.join(TESTDATA, `redirect-${name}.rules`));
    });
  }

  it('excludes the proxy UID before anything is redirected', () => {
    const rules = redirectRules(base).split('\n');
    const uid = rules.findIndex((l) => l.includes('--uid-owner 1337 -j RETURN'));
    const redirect = rules.findIndex((l) => l.startsWith('-A TRELLIS_OUTPUT') && l.endsWith('-j TRELLIS_REDIRECT'));
    expect(uid).toBeGreaterThan(-1);
    expect(uid).toBeLessThan(redirect);
  });

  it('an excluded inbound port wins over an included one', () => {
    expect(redirectRules({ ...base, includeInboundPorts: [8080, 9090], excludeInboundPorts: [9090] })).not.toContain('--dport 9090');
  });
});
