import { describe, expect, it } from 'vitest';
import { parseResource } from './parse-resource.ts';

type Obj = Record<string, unknown>;

const errorsOf = (input: Obj) => {
  const result = parseResource(input);
  if (result.ok) expect.fail(`accepted ${JSON.stringify(input)}`);
  return result.errors;
};

describe('DestinationRule warmup (Envoy slow start)', () => {
  const dr = (loadBalancer: Obj): Obj => ({ apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'd' }, spec: { host: 'search', trafficPolicy: { loadBalancer } } });
  it('is accepted with round robin, least request or no algorithm', () => {
    expect(parseResource(dr({ warmup: { duration: '60s', minimumPercent: 10, aggression: 1 } })).ok).toBe(true);
    expect(parseResource(dr({ simple: 'LEAST_REQUEST', warmupDurationSecs: '30s' })).ok).toBe(true);
  });
  it('is refused, with the path, where Envoy has no slow start', () => {
    expect(errorsOf(dr({ consistentHash: { httpHeaderName: 'x-user' }, warmup: { duration: '60s' } }))).toEqual([{ path: 'spec.trafficPolicy.loadBalancer.warmup', message: expect.stringContaining('not with consistentHash') }]);
    expect(errorsOf(dr({ simple: 'RANDOM', warmupDurationSecs: '60s' }))).toEqual([{ path: 'spec.trafficPolicy.loadBalancer.warmupDurationSecs', message: expect.stringContaining('not with RANDOM') }]);
  });
});
