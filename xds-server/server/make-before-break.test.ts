import { describe, expect, it } from 'vitest';
import { CachedResource } from '../cache/cached-resource.ts';
import { CLUSTER_TYPE_URL, ROUTE_TYPE_URL, type XdsTypeUrl } from '../protos/index.ts';
import { removalsMayProceed, updatesMayProceed, type HeldState } from './make-before-break.ts';

const counters = { resources: 0, wrappers: 0 };
const route = new CachedResource(ROUTE_TYPE_URL, 'r', '1', new Uint8Array(), [{ typeUrl: CLUSTER_TYPE_URL, name: 'c' }], counters);

/** A stream that tracks CDS and RDS; the scope serves cluster `c`. */
function stream(holds: { c: boolean; all: boolean }): HeldState & { lookups: number } {
  const view = {
    lookups: 0,
    isTracked: (t: XdsTypeUrl) => t === CLUSTER_TYPE_URL || t === ROUTE_TYPE_URL,
    awaitingAnswer: () => false,
    held: (t: XdsTypeUrl) => (t === ROUTE_TYPE_URL ? [route] : []),
    holds: (_t: XdsTypeUrl, name: string) => {
      view.lookups++;
      return name === 'c' && holds.c;
    },
    exists: (_t: XdsTypeUrl, name: string) => {
      view.lookups++;
      return name === 'c';
    },
    holdsAllServed: (t: XdsTypeUrl) => t === CLUSTER_TYPE_URL && holds.all,
  };
  return view;
}

describe('make-before-break', () => {
  it('holds back a route naming a served cluster the proxy lacks, and lets it go once the proxy holds it', () => {
    expect(updatesMayProceed(ROUTE_TYPE_URL, stream({ c: false, all: false }), [route])).toBe(false);
    expect(updatesMayProceed(ROUTE_TYPE_URL, stream({ c: true, all: false }), [route])).toBe(true);
    expect(removalsMayProceed(CLUSTER_TYPE_URL, stream({ c: false, all: false }))).toBe(false);
  });

  it('looks up no name of a type the proxy holds in full', () => {
    const view = stream({ c: true, all: true });
    expect(updatesMayProceed(ROUTE_TYPE_URL, view, [route])).toBe(true);
    expect(removalsMayProceed(CLUSTER_TYPE_URL, view)).toBe(true);
    expect(view.lookups).toBe(0);
  });
});
