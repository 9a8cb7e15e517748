import { encodeResource, ResourceEncodeError, resourceNameOf } from '../protos/index.ts';
import type { ResourceObject, XdsTypeUrl } from '../protos/index.ts';
import { CachedResource } from './cached-resource.ts';
import { checkSnapshot } from './check-snapshot.ts';
import { contentVersion } from './content-version.ts';
import type { EncodeCounters } from './encode-counters.ts';
import { InternTable } from './intern-table.ts';
import { referencesOf } from './references.ts';
import type { SnapshotIssue } from './snapshot-issue.ts';

/** Resources of one type for one scope, by name, in protobufjs object form. */
export type ResourceInput = ReadonlyMap<string, ResourceObject>;

export interface PublishResult {
  /** Types whose served content changed (a push follows for them). */
  changedTypes: XdsTypeUrl[];
  issues: SnapshotIssue[];
}

export interface ScopeChange {
  scope: string;
  changedTypes: ReadonlySet<XdsTypeUrl>;
}

export type ScopeWatcher = (change: ScopeChange) => void;

export interface ResourceCacheOptions {
  /** Called for every issue found while publishing (also returned by the publish call). */
  onIssue?: (issue: SnapshotIssue) => void;
}

type ScopeState = Map<XdsTypeUrl, Map<string, CachedResource>>;

const EMPTY: ReadonlyMap<string, CachedResource> = new Map();

/**
 * Versioned, pre-encoded resources per scope (a group of proxies that get identical config)
 * and per type. A resource's version is a hash of its bytes, so republishing unchanged
 * content changes nothing and notifies no one.
 */
export class ResourceCache {
  private readonly scopes = new Map<string, ScopeState>();
  private readonly watchers = new Map<string, Set<ScopeWatcher>>();
  private readonly intern = new InternTable();
  private readonly counters: EncodeCounters = { resources: 0, wrappers: 0 };

  constructor(private readonly options: ResourceCacheOptions = {}) {}

  /** Replaces every resource of one type in a scope. */
  setResources(scope: string, typeUrl: XdsTypeUrl, resources: ResourceInput): PublishResult {
    return this.setSnapshot(scope, new Map([[typeUrl, resources]]));
  }

  /** Replaces the resources of several types in a scope at once; watchers hear one change. */
  setSnapshot(scope: string, byType: ReadonlyMap<XdsTypeUrl, ResourceInput>): PublishResult {
    const state = this.scopes.get(scope) ?? new Map<XdsTypeUrl, Map<string, CachedResource>>();
    this.scopes.set(scope, state);
    const issues: SnapshotIssue[] = [];
    const changed = new Set<XdsTypeUrl>();
    for (const [typeUrl, input] of byType) {
      if (this.replaceType(scope, state, typeUrl, input, issues)) changed.add(typeUrl);
    }
    issues.push(...checkSnapshot(scope, state));
    for (const issue of issues) this.options.onIssue?.(issue);
    if (changed.size > 0) this.notify({ scope, changedTypes: changed });
    return { changedTypes: [...changed], issues };
  }

  /** Forgets a scope; its watchers see every type change (to nothing). */
  removeScope(scope: string): void {
    const state = this.scopes.get(scope);
    if (!state) return;
    this.scopes.delete(scope);
    for (const byName of state.values()) for (const resource of byName.values()) this.intern.release(resource);
    this.notify({ scope, changedTypes: new Set(state.keys()) });
  }

  /** What the scope serves for a type (empty when nothing was published). */
  resources(scope: string, typeUrl: XdsTypeUrl): ReadonlyMap<string, CachedResource> {
    return this.scopes.get(scope)?.get(typeUrl) ?? EMPTY;
  }

  /** Whether the type was ever published for the scope (an empty list counts). */
  isPublished(scope: string, typeUrl: XdsTypeUrl): boolean {
    return this.scopes.get(scope)?.has(typeUrl) ?? false;
  }

  /** Calls `watcher` after each change to the scope; returns the function that stops it. */
  watch(scope: string, watcher: ScopeWatcher): () => void {
    const set = this.watchers.get(scope) ?? new Set<ScopeWatcher>();
    this.watchers.set(scope, set);
    set.add(watcher);
    return () => {
      set.delete(watcher);
      if (set.size === 0 && this.watchers.get(scope) === set) this.watchers.delete(scope);
    };
  }

  stats(): { scopes: number; distinctResources: number; encodes: Readonly<EncodeCounters> } {
    return { scopes: this.scopes.size, distinctResources: this.intern.size, encodes: { ...this.counters } };
  }

  private replaceType(scope: string, state: ScopeState, typeUrl: XdsTypeUrl, input: ResourceInput, issues: SnapshotIssue[]): boolean {
    const previous = state.get(typeUrl);
    const next = new Map<string, CachedResource>();
    const acquired: CachedResource[] = [];
    for (const [name, object] of input) {
      const old = previous?.get(name);
      const fresh = this.prepare(scope, typeUrl, name, object, issues);
      if (!fresh) {
        // Skipped: keep serving the last good version, if there is one.
        if (old) next.set(name, old);
        continue;
      }
      if (old && old.version === fresh.version) {
        next.set(name, old);
        continue;
      }
      const resource = this.intern.acquire(typeUrl, name, fresh.version, () => new CachedResource(typeUrl, name, fresh.version, fresh.body, referencesOf(typeUrl, object), this.counters));
      acquired.push(resource);
      next.set(name, resource);
    }
    const changed = !previous || acquired.length > 0 || [...previous.keys()].some((name) => !next.has(name));
    if (previous) {
      for (const [name, old] of previous) if (next.get(name) !== old) this.intern.release(old);
    }
    state.set(typeUrl, next);
    return changed;
  }

  private prepare(scope: string, typeUrl: XdsTypeUrl, name: string, object: ResourceObject, issues: SnapshotIssue[]): { version: string; body: Uint8Array } | undefined {
    const ownName = resourceNameOf(typeUrl, object);
    if (ownName !== name) {
      issues.push({ scope, typeUrl, name, kind: 'name-mismatch', message: `resource published as "${name}" is named "${ownName ?? ''}" inside` });
      return undefined;
    }
    try {
      this.counters.resources++;
      const body = encodeResource(typeUrl, object, name);
      return { version: contentVersion(body), body };
    } catch (err) {
      if (!(err instanceof ResourceEncodeError)) throw err;
      issues.push({ scope, typeUrl, name, kind: 'invalid-resource', message: err.message, errors: err.errors });
      return undefined;
    }
  }

  private notify(change: ScopeChange): void {
    for (const watcher of [...(this.watchers.get(change.scope) ?? [])]) {
      try {
        watcher(change);
      } catch {
        // A failing watcher must not keep the others from hearing about the change.
      }
    }
  }
}
