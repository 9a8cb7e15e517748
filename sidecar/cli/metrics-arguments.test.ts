import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { loopbackHttpUrl, portOrZero } from './arguments.ts';

describe('--metrics-port and --app-metrics-url', () => {
  it('takes 0 (off) or a port', () => {
    expect(portOrZero('0')).toBe(0);
    expect(portOrZero('15020')).toBe(15020);
    for (const bad of ['-1', '65536', '15020x', '', '00']) expect(() => portOrZero(bad), bad).toThrow(InvalidArgumentError);
  });

  it('takes an http URL on loopback only', () => {
    expect(loopbackHttpUrl('http://127.0.0.1:8080/metrics')).toBe('http://127.0.0.1:8080/metrics');
    expect(loopbackHttpUrl('http://localhost:9090/stats?format=prometheus')).toBe('http://localhost:9090/stats?format=prometheus');
    expect(loopbackHttpUrl('http://[::1]:8080/metrics')).toBe('http://[::1]:8080/metrics');
    const refused: [string, RegExp][] = [
      ['not a url', /must be a URL/],
      ['https://127.0.0.1:8443/metrics', /http:\/\//],
      ['file:///etc/passwd', /http:\/\//],
      ['http://10.0.0.5:8080/metrics', /127\.0\.0\.1, localhost or \[::1\]/],
      ['http://127.0.0.1.example.com/metrics', /127\.0\.0\.1, localhost or \[::1\]/],
      ['http://user:pw@127.0.0.1:8080/metrics', /credentials/],
    ];
    for (const [value, message] of refused) expect(() => loopbackHttpUrl(value), value).toThrow(message);
  });
});
