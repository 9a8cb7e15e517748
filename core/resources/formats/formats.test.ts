import { describe, expect, it } from 'vitest';
import { durationProblem, parseDurationNanos } from './duration.ts';
import { hostProblem } from './hostname.ts';
import { isIpOrCidr } from './ip.ts';
import { qualifiedNameProblem } from './names.ts';
import { regexProblem } from './regex.ts';

describe('durations', () => {
  it.each([
    ['1s', 1_000_000_000n],
    ['0.5s', 500_000_000n],
    ['100ms', 100_000_000n],
    ['1h2m', 3_720_000_000_000n],
    ['1.5h', 5_400_000_000_000n],
    ['.25s', 250_000_000n],
    ['1500us', 1_500_000n],
  ])('%s is %d ns', (text, nanos) => {
    expect(parseDurationNanos(text)).toBe(nanos);
  });

  it.each(['5', '-1s', '+1s', '1d', '1 s', '', 's', '1.2.3s', '1S'])('%j is not a duration', (text) => {
    expect(parseDurationNanos(text)).toBeUndefined();
    expect(durationProblem(text)).toContain('is not a duration');
  });

  it('enforces Istio bounds: at least 1ms, millisecond precision, below the protobuf maximum', () => {
    expect(durationProblem('1ms')).toBeUndefined();
    expect(durationProblem('999us')).toContain('at least 1ms');
    expect(durationProblem('1500us')).toContain('millisecond precision');
    expect(durationProblem('0s')).toContain('at least 1ms');
    expect(durationProblem('0s', { allowZero: true })).toBeUndefined();
    expect(durationProblem('99999999999999h')).toContain('longer than the largest duration');
  });
});

describe('RE2 regexes', () => {
  it('accepts RE2 syntax and rejects what Envoy cannot run', () => {
    expect(regexProblem('^/api/v[0-9]+/(users|items)/\\d+$')).toBeUndefined();
    expect(regexProblem('(?i)^bearer .+')).toBeUndefined();
    expect(regexProblem('^(?!admin)')).toContain('not valid RE2');
    expect(regexProblem('(?<=a)b')).toContain('not valid RE2');
    expect(regexProblem('(a)\\1')).toContain('not valid RE2');
    expect(regexProblem('[')).toContain('not valid RE2');
    expect(regexProblem('a'.repeat(1025))).toContain('the limit is 1024');
  });
});

describe('hosts', () => {
  it.each(['reviews', 'reviews.bookinfo.svc.cluster.local', '*', '*.example.com', '*foo.example.com', 'API.Example.com', 'color_server.demo.local', '_grpc._tcp.example.com', '*.color_app.local'])('%s is valid', (h) => {
    expect(hostProblem(h)).toBeUndefined();
  });
  it.each(['', 'foo.*.com', 'foo*.com', 'bad host', 'a/b.com', '-a.com', 'a-.com', 'a..com', 'a.com.', `${'a'.repeat(64)}.com`])('%j is invalid', (h) => {
    expect(hostProblem(h)).toBeDefined();
  });
  it('takes "_" in labels only for hosts: without it, a name stays a DNS name', () => {
    expect(hostProblem('color_server.demo.local', { allowUnderscore: false })).toContain('not a valid host name');
  });
  it('can forbid wildcards', () => {
    expect(hostProblem('*.example.com', { allowWildcard: false })).toContain('must not contain a wildcard');
  });
});

describe('IP addresses and CIDR blocks', () => {
  it.each([['10.0.0.1', true], ['10.0.0.0/8', true], ['2001:db8::/32', true], ['10.0.0.0/33', false], ['10.0.0/8', false], ['::1/129', false], ['a.b.c.d', false]])('%s → %s', (v, expected) => {
    expect(isIpOrCidr(v)).toBe(expected);
  });
});

describe('label keys', () => {
  it.each([['app', undefined], ['app.kubernetes.io/name', undefined], ['-bad', 'must be a name'], ['Example.com/x', 'DNS-1123 subdomain'], [`${'a'.repeat(64)}`, 'must be a name']])('%s', (key, fragment) => {
    const problem = qualifiedNameProblem(key);
    if (fragment === undefined) expect(problem).toBeUndefined();
    else expect(problem).toContain(fragment);
  });
});
