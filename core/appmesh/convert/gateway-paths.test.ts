import { describe, expect, it } from 'vitest';
import { composePath } from './gateway-paths.ts';

/** Whether Envoy's full-path match of a composed condition takes `path`. */
function takes(uri: { exact?: string; prefix?: string; regex?: string } | undefined, path: string): boolean {
  if (!uri) return true;
  if (uri.prefix !== undefined) return path.startsWith(uri.prefix);
  if (uri.exact !== undefined) return path === uri.exact;
  return new RegExp(`^(?:${uri.regex})$`).test(path);
}

/** What the router sees after the gateway's rewrite `^prefix-without-slash/?` → to. */
const rewritten = (prefix: string, to: string, path: string) => path.replace(new RegExp(`^${prefix.replace(/\/$/, '')}/?`), to);

describe('router paths seen from a gateway route', () => {
  const paths = ['/color', '/color/', '/color/green', '/color/green/x', '/color//green', '/colorgreen', '/color/item', '/color/itemx', '/other/green'];

  for (const prefix of ['/color/', '/color']) {
    for (const to of ['/', '/v2/', '/v2']) {
      for (const router of [{ prefix: '/green' }, { prefix: '/v2/green' }, { exact: '/item' }, { exact: '/v2/item' }, { prefix: '/v' }, undefined]) {
        it(`gateway prefix ${prefix} → ${to}, router ${JSON.stringify(router)}: the composed match takes exactly the paths App Mesh would route`, () => {
          const composed = composePath({ kind: 'prefix', prefix, to }, router);
          expect('unsupported' in composed).toBe(false);
          for (const path of paths) {
            const appMesh = path.startsWith(prefix) && takes(router, rewritten(prefix, to, path));
            const trellis = !('never' in composed) && takes((composed as { uri?: { prefix?: string } }).uri, path);
            expect(trellis, path).toBe(appMesh);
          }
        });
      }
    }
  }

  it('passes the path on unchanged: the narrower prefix wins, disjoint prefixes never match, and a regex against a prefix is refused', () => {
    expect(composePath({ kind: 'same', uri: { prefix: '/a' } }, { prefix: '/a/b' })).toEqual({ uri: { prefix: '/a/b' } });
    expect(composePath({ kind: 'same', uri: { prefix: '/a/b' } }, { prefix: '/a' })).toEqual({ uri: { prefix: '/a/b' } });
    expect(composePath({ kind: 'same', uri: { prefix: '/a' } }, { prefix: '/b' })).toEqual({ never: true });
    expect(composePath({ kind: 'same', uri: { exact: '/a/1' } }, { regex: '/a/[0-9]' })).toEqual({ uri: { exact: '/a/1' } });
    expect(composePath({ kind: 'same', uri: { prefix: '/a' } }, { regex: '/a/.*' })).toHaveProperty('unsupported');
    expect(composePath({ kind: 'same' }, { regex: '/a/.*' })).toEqual({ uri: { regex: '/a/.*' } });
  });

  it('a gateway that rewrites every path to one path decides the router route once', () => {
    expect(composePath({ kind: 'fixed', path: '/green/x', uri: { exact: '/g' } }, { prefix: '/green' })).toEqual({ uri: { exact: '/g' } });
    expect(composePath({ kind: 'fixed', path: '/blue', uri: { exact: '/g' } }, { prefix: '/green' })).toEqual({ never: true });
    expect(composePath({ kind: 'fixed', path: '/x' }, { regex: '(' })).toHaveProperty('unsupported');
  });
});
