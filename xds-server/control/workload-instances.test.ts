import { describe, expect, it } from 'vitest';
import type { RegisteredWorkload } from '../../core/registry/index.ts';
import type { IstioResource } from '../../core/resources/index.ts';
import { labelsMatch } from '../translate/mesh/labels-match.ts';
import { istio } from '../translate/testing/resources.ts';
import { workloadInstances } from './workload-instances.ts';

const registered = (name: string, labels: Record<string, string>, extra: Partial<RegisteredWorkload> = {}): RegisteredWorkload => ({
  tenantId: 't',
  mesh: 'm',
  id: name,
  namespace: 'shop',
  name,
  serviceAccount: name,
  address: '10.0.0.1',
  labels,
  inboundPort: 15006,
  source: 'proxy',
  replica: 'r1',
  since: '2026-01-01T00:00:00.000Z',
  expiresAt: '2026-01-01T00:00:20.000Z',
  ...extra,
});
const entry = (namespace: string, name: string, selector: Record<string, string> | undefined, ports: string[]) =>
  istio('ServiceEntry', namespace, name, { hosts: [`${name}.${namespace}`], ...(selector ? { workloadSelector: { labels: selector } } : {}), ports: ports.map((p, i) => ({ number: 80 + i, name: p, protocol: 'HTTP' })) });

describe('workloadInstances', () => {
  it('maps every port of every ServiceEntry selecting a sidecar in its namespace to its inbound port', () => {
    const resources = [
      entry('shop', 'reviews', { app: 'reviews' }, ['http', 'grpc']),
      entry('shop', 'v2-only', { app: 'reviews', version: 'v2' }, ['admin']),
      entry('shop', 'everyone', {}, ['metrics']),
      entry('shop', 'unselected', undefined, ['other']),
      entry('web', 'reviews', { app: 'reviews' }, ['elsewhere']),
    ];
    const [v1, v2, stranger] = workloadInstances([registered('r1', { app: 'reviews', version: 'v1' }), registered('r2', { version: 'v2', app: 'reviews' }), registered('s', { app: 'ratings' })], resources, 'td');
    expect(v1?.ports).toEqual({ http: 15006, grpc: 15006, metrics: 15006 });
    expect(v2?.ports).toEqual({ http: 15006, grpc: 15006, admin: 15006, metrics: 15006 });
    expect(stranger?.ports).toEqual({ metrics: 15006 });
  });

  it('keeps the ports of a workload without an inbound port, leaves out mirrored services and names identities', () => {
    const resources = [entry('shop', 'reviews', { app: 'reviews' }, ['http'])];
    const out = workloadInstances(
      [
        registered('direct', { app: 'reviews' }, { inboundPort: undefined, ports: { http: 9080 } }),
        registered('svc', { app: 'reviews' }, { service: { name: 'reviews', ports: [] } as unknown as RegisteredWorkload['service'] }),
        registered('signed', { app: 'reviews' }, { spiffeId: 'spiffe://other/ns/shop/sa/x' }),
      ],
      resources,
      'td',
    );
    expect(out.map((w) => w.name)).toEqual(['direct', 'signed']);
    expect(out[0]?.ports).toEqual({ http: 9080 });
    expect(out[0]?.identity).toBe('spiffe://td/ns/shop/sa/direct');
    expect(out[1]?.identity).toBe('spiffe://other/ns/shop/sa/x');
  });

  it('treats label keys and values that look like object internals as plain strings', () => {
    const odd = JSON.parse('{"__proto__":"x","constructor":"y"}') as Record<string, string>;
    const resources = [entry('shop', 'odd', odd, ['http'])];
    const [match, miss] = workloadInstances([registered('a', odd), registered('b', { constructor: 'y' })], resources, 'td');
    expect(match?.ports).toEqual({ http: 15006 });
    expect(miss?.ports).toEqual({});
  });

  it('selects as a scan of every ServiceEntry would, over random meshes', () => {
    // The plain definition: every ServiceEntry of the workload's namespace whose selector its labels carry.
    const scan = (w: RegisteredWorkload, resources: IstioResource[]) => {
      const ports: Record<string, number> = {};
      for (const r of resources) {
        const selector = (r.spec as { workloadSelector?: { labels?: Record<string, string> } }).workloadSelector?.labels;
        if (r.metadata.namespace !== w.namespace || !selector || !labelsMatch(selector, w.labels)) continue;
        for (const p of (r.spec as { ports?: { name: string }[] }).ports ?? []) ports[p.name] = w.inboundPort!;
      }
      return ports;
    };
    // mulberry32: a seeded generator whose low bits vary (an LCG's alternate).
    let seed = 7;
    const random = (n: number) => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) % n;
    };
    const labels = () => {
      const out: Record<string, string> = {};
      for (const key of ['app', 'version', 'tier']) if (random(3) > 0) out[key] = `${key}-${random(3)}`;
      return out;
    };
    for (let round = 0; round < 50; round++) {
      const resources = Array.from({ length: 1 + random(12) }, (_, i) => entry(random(2) ? 'shop' : 'web', `se-${i}`, [undefined, {}, labels(), labels()][random(4)], [`p${random(6)}`, `p${random(6)}`, `p${random(6)}`]));
      const workloads = Array.from({ length: 1 + random(12) }, (_, i) => registered(`w${i}`, labels(), { namespace: random(2) ? 'shop' : 'web' }));
      const got = workloadInstances(workloads, resources, 'td');
      got.forEach((w, i) => {
        expect(w.ports).toEqual(scan(workloads[i]!, resources));
        // Same keys in the same order: fingerprints of the endpoints read them in order.
        expect(Object.keys(w.ports)).toEqual(Object.keys(scan(workloads[i]!, resources)));
      });
    }
  });
});
