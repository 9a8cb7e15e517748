import { describe, expect, it } from 'vitest';
import { cloudMapEntries, type CloudMapSource } from './cloud-map-entries.ts';
import { validateRegisteredWorkloads } from './registry-input.ts';

const source: CloudMapSource = { cloudMapNamespace: 'shop.local', service: 'Reviews_Service', namespace: 'shop' };
const at = { tenantId: 'default', mesh: 'demo', replica: 'r', now: new Date('2026-01-01T00:00:00Z'), ttlMs: 90_000 };

describe('cloudMapEntries', () => {
  it('skips instances without a usable IPv4 address or port, with the reason', () => {
    const { entries, skipped } = cloudMapEntries(
      source,
      [
        { id: 'v6', attributes: { AWS_INSTANCE_IPV6: '::1' } },
        { id: 'host', attributes: { AWS_INSTANCE_IPV4: 'db.internal' } },
        { id: 'port0', attributes: { AWS_INSTANCE_IPV4: '10.0.0.1', AWS_INSTANCE_PORT: '0' } },
        { id: 'portx', attributes: { AWS_INSTANCE_IPV4: '10.0.0.1', AWS_INSTANCE_PORT: '80; rm' } },
        { id: 'huge', attributes: { AWS_INSTANCE_IPV4: 'x'.repeat(10_000) } },
      ],
      at,
    );
    expect(entries).toEqual([]);
    expect(skipped.map((s) => s.reason)).toEqual([
      'no AWS_INSTANCE_IPV4',
      'AWS_INSTANCE_IPV4 "db.internal" is not an IPv4 address',
      'AWS_INSTANCE_PORT "0" is not a port',
      'AWS_INSTANCE_PORT "80; rm" is not a port',
      `AWS_INSTANCE_IPV4 "${'x'.repeat(64)}" is not an IPv4 address`,
    ]);
  });

  it('makes entries the registry accepts from any instance id and attributes, made label-safe as the App Mesh importer makes them', () => {
    const { entries } = cloudMapEntries(source, [{ id: 'I_0ABC/../'.repeat(20), attributes: { AWS_INSTANCE_IPV4: '10.0.0.7', AWS_INSTANCE_PORT: '8080', 'bad key': 'v', ok: 'a value with spaces', version: 'v2' } }], { ...at });
    expect(entries).toHaveLength(1);
    const [entry] = entries;
    expect(entry!.labels).toEqual({ 'cloudmap.appmesh.trellis.dev/bad-key': 'v', 'cloudmap.appmesh.trellis.dev/ok': 'a-value-with-spaces', 'cloudmap.appmesh.trellis.dev/version': 'v2' });
    // No port names: the instance serves the service ports themselves.
    expect(entry!.ports).toBeUndefined();
    expect(entry!.expiresAt).toBe('2026-01-01T00:01:30.000Z');
    const valid = validateRegisteredWorkloads(entries);
    expect(valid.ok, JSON.stringify(valid)).toBe(true);
  });

  it("applies App Mesh's attribute filter: only instances whose attributes match the source's cloudmap.appmesh.trellis.dev/ labels are entries", () => {
    const filteredSource: CloudMapSource = { ...source, labels: { 'appmesh.trellis.dev/virtual-node': 'stock', 'cloudmap.appmesh.trellis.dev/stage': 'us-east-1', 'cloudmap.appmesh.trellis.dev/tier': 'gold-plus' } };
    const { entries, skipped, filtered } = cloudMapEntries(
      filteredSource,
      [
        { id: 'match', attributes: { AWS_INSTANCE_IPV4: '10.0.0.1', stage: 'us-east-1', tier: 'gold plus', extra: 'x' } },
        { id: 'other-stage', attributes: { AWS_INSTANCE_IPV4: '10.0.0.2', stage: 'eu-west-1', tier: 'gold plus' } },
        { id: 'no-tier', attributes: { AWS_INSTANCE_IPV4: '10.0.0.3', stage: 'us-east-1' } },
        // Filtered out before its address is looked at: not reported as a problem.
        { id: 'other-stage-no-address', attributes: { stage: 'eu-west-1' } },
      ],
      at,
    );
    expect(entries.map((e) => [e.id, e.labels])).toEqual([
      ['cloud-map/shop.local/Reviews_Service/match', { 'cloudmap.appmesh.trellis.dev/stage': 'us-east-1', 'cloudmap.appmesh.trellis.dev/tier': 'gold-plus', 'cloudmap.appmesh.trellis.dev/extra': 'x', 'appmesh.trellis.dev/virtual-node': 'stock' }],
    ]);
    expect(filtered).toBe(3);
    expect(skipped).toEqual([]);
  });
});
