import type { CachedResource } from './cached-resource.ts';

/**
 * Shares one CachedResource per (type, name, version) across scopes, so identical resources
 * served to many proxy groups are held and wrapped once. Reference-counted by scope entries.
 */
export class InternTable {
  private readonly byKey = new Map<string, CachedResource>();
  private readonly refs = new Map<CachedResource, number>();

  private static key(typeUrl: string, name: string, version: string): string {
    return `${typeUrl}\u0000${name}\u0000${version}`;
  }

  /** The shared resource for this version, creating it with `make` when none is held. */
  acquire(typeUrl: string, name: string, version: string, make: () => CachedResource): CachedResource {
    const key = InternTable.key(typeUrl, name, version);
    const held = this.byKey.get(key);
    if (held) {
      this.retain(held);
      return held;
    }
    const resource = make();
    this.byKey.set(key, resource);
    this.refs.set(resource, 1);
    return resource;
  }

  /** One more holder of a resource this table holds (no key to build: a scope taking another's served map). */
  retain(resource: CachedResource): void {
    const refs = this.refs.get(resource);
    if (refs === undefined) throw new Error(`${resource.typeUrl} ${resource.name} is not held`);
    this.refs.set(resource, refs + 1);
  }

  /** Whether some holder still holds this resource (one whose last holder let go is forgotten). */
  holds(resource: CachedResource): boolean {
    return this.refs.has(resource);
  }

  release(resource: CachedResource): void {
    const refs = this.refs.get(resource);
    if (refs === undefined) return;
    if (refs > 1) {
      this.refs.set(resource, refs - 1);
      return;
    }
    this.refs.delete(resource);
    this.byKey.delete(InternTable.key(resource.typeUrl, resource.name, resource.version));
  }

  get size(): number {
    return this.refs.size;
  }
}
