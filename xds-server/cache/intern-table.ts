import type { CachedResource } from './cached-resource.ts';

/**
 * Shares one CachedResource per (type, name, version) across scopes, so identical resources
 * served to many proxy groups are held and wrapped once. Reference-counted by scope entries.
 */
export class InternTable {
  private readonly entries = new Map<string, { resource: CachedResource; refs: number }>();

  private static key(typeUrl: string, name: string, version: string): string {
    return `${typeUrl}\u0000${name}\u0000${version}`;
  }

  /** The shared resource for this version, creating it with `make` when none is held. */
  acquire(typeUrl: string, name: string, version: string, make: () => CachedResource): CachedResource {
    const key = InternTable.key(typeUrl, name, version);
    const entry = this.entries.get(key);
    if (entry) {
      entry.refs++;
      return entry.resource;
    }
    const resource = make();
    this.entries.set(key, { resource, refs: 1 });
    return resource;
  }

  release(resource: CachedResource): void {
    const key = InternTable.key(resource.typeUrl, resource.name, resource.version);
    const entry = this.entries.get(key);
    if (entry && --entry.refs <= 0) this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
