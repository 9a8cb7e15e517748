import { describe, expect, it } from 'vitest';
import { analyze, ANALYZERS } from './analyze.ts';
import { docs, mesh, service } from './testing/mesh.ts';

const vs = (name: string, host: string) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: ${name}, namespace: shop }
spec:
  hosts: [${host}]
  http: [{ route: [{ destination: { host: ${host} } }] }]
`;

describe('analyze', () => {
  it('has unique, stable codes', () => {
    const codes = ANALYZERS.map((a) => a.code);
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes.every((c) => /^TRL01\d\d$/.test(c))).toBe(true);
    expect(codes.length).toBeGreaterThanOrEqual(10);
  });

  it('reports only findings about the changed resources when told which they are', () => {
    const resources = mesh(docs(service('ratings'), vs('old', 'gone'), vs('new', 'missing')));
    expect(analyze(resources).map((f) => f.resource.name)).toContain('old');
    const changed = analyze(resources, { changed: [{ kind: 'VirtualService', namespace: 'shop', name: 'new' }] });
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.every((f) => f.resource.name === 'new')).toBe(true);
  });
});
