import { encodeResource, ResourceEncodeError, resourceNameOf } from '../protos/index.ts';
import { encodeServed, splitAddress } from './encode-served.ts';
import type { ResourceObject, XdsTypeUrl } from '../protos/index.ts';
import { CachedResource } from './cached-resource.ts';
import { checkSnapshot } from './check-snapshot.ts';
import { contentVersion } from './content-version.ts';
import type { EncodeCounters } from './encode-counters.ts';
import { InternTable } from './intern-table.ts';
import { referencesOf } from './references.ts';
import type { SnapshotIssue } from './snapshot-issue.ts';
import { createHash } from 'node:crypto';
import { LayeredMap } from './layered-map.ts';
import { ContentMemo } from './content-memo.ts';
import { mergeSortedLines, typeVersion, versionLine, versionOfSortedLines } from './type-version.ts';

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

type ScopeState = Map<XdsTypeUrl, ReadonlyMap<string, CachedResource>>;
type Served = ReadonlyMap<string, CachedResource>;

const EMPTY: Served = new Map();

/** Distinct resource contents whose encodings are remembered (oldest forgotten first). */
const CONTENT_MEMO_ENTRIES = 50_000;

function contentKey(typeUrl: XdsTypeUrl, object: ResourceObject): string {
  return createHash('sha256').update(typeUrl).update('\u0000').update(JSON.stringify(object)).digest('base64url');
}

/** One encoding of a resource object: its bytes and version, or why it cannot be served. */
type Prepared = { version: string; body: Uint8Array } | { error: ResourceEncodeError };

/**
 * Versioned, pre-encoded resources per scope (a group of proxies that get identical config)
 * and per type. A resource's version is a hash of its bytes, so republishing unchanged
 * content changes nothing and notifies no one.
 *
 * A layered scope (`setLayered`) is a base scope plus a few resources of its own: proxies that
 * differ only in their inbound side share the base (translated, encoded and held once) and each
 * adds its inbound listener and cluster. Readers see one map per type; a change of the base
 * notifies every scope layered on it.
 */
export class ResourceCache {
  private readonly scopes = new Map<string, ScopeState>();
  /** Layered scope → its base. */
  private readonly bases = new Map<string, string>();
  /** Base → the layered scopes on it. */
  private readonly layered = new Map<string, Set<string>>();
  /** Merged views of layered scopes, per type, rebuilt after either side changes. */
  private readonly views = new Map<string, Map<XdsTypeUrl, Served>>();
  /** Type versions of served maps (immutable once published), computed once per map. */
  private readonly versions = new WeakMap<Served, string>();
  /** Sorted version lines of the maps layered views are built on. */
  private readonly lines = new WeakMap<Served, readonly string[]>();
  /** Encodings by resource object: translation shares unchanged objects across groups and revisions. */
  private readonly prepared = new WeakMap<object, Prepared>();
  /** Encodings by content, for equal objects built apart (another group, mesh or revision): validated and encoded once. */
  private readonly byContent = new ContentMemo<Prepared>(CONTENT_MEMO_ENTRIES);
  /** The input each served map was made from: the same input again (a shared translation republished) changes nothing. */
  private readonly inputs = new WeakMap<ReadonlyMap<string, CachedResource>, ResourceInput>();
  /** The served map made from an input with nothing skipped: another scope publishing that input takes the same map. */
  private readonly converted = new WeakMap<ResourceInput, ReadonlyMap<string, CachedResource>>();
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
    return this.publish(scope, byType);
  }

  /**
   * Makes `scope` serve `base` plus `own` (which wins on equal names), replacing what it had of its
   * own for the types given. Check and watchers see the merged result.
   */
  setLayered(scope: string, base: string, own: ReadonlyMap<XdsTypeUrl, ResourceInput>): PublishResult {
    if (scope === base) throw new Error(`scope ${scope} cannot be layered on itself`);
    const previous = this.bases.get(scope);
    let rebased: Set<XdsTypeUrl> | undefined;
    if (previous !== base) {
      if (previous !== undefined) {
        const set = this.layered.get(previous);
        set?.delete(scope);
        if (set?.size === 0) this.layered.delete(previous);
        // Moved to another base: every type either base (or the scope itself) serves may differ now.
        rebased = new Set([...(this.scopes.get(previous)?.keys() ?? []), ...(this.scopes.get(base)?.keys() ?? []), ...(this.scopes.get(scope)?.keys() ?? [])]);
      }
      this.bases.set(scope, base);
      const set = this.layered.get(base) ?? new Set<string>();
      this.layered.set(base, set);
      set.add(scope);
      this.views.delete(scope);
    }
    return this.publish(scope, own, rebased);
  }

  /** Forgets a scope (and, for a layered one, its link to the base); its watchers see every type change (to nothing). */
  removeScope(scope: string): void {
    const base = this.bases.get(scope);
    const state = this.scopes.get(scope);
    if (!state && base === undefined) return;
    const types = new Set<XdsTypeUrl>([...(state?.keys() ?? []), ...(base !== undefined ? (this.scopes.get(base)?.keys() ?? []) : [])]);
    this.scopes.delete(scope);
    this.views.delete(scope);
    if (base !== undefined) {
      this.bases.delete(scope);
      const set = this.layered.get(base);
      set?.delete(scope);
      if (set?.size === 0) this.layered.delete(base);
    }
    for (const byName of state?.values() ?? []) for (const resource of byName.values()) this.intern.release(resource);
    this.notify({ scope, changedTypes: types });
  }

  /** What the scope serves for a type (empty when nothing was published); a map that never changes once returned. */
  resources(scope: string, typeUrl: XdsTypeUrl): Served {
    const base = this.bases.get(scope);
    if (base === undefined) return this.scopes.get(scope)?.get(typeUrl) ?? EMPTY;
    const views = this.views.get(scope) ?? new Map<XdsTypeUrl, Served>();
    this.views.set(scope, views);
    let view = views.get(typeUrl);
    if (!view) {
      const own = this.scopes.get(scope)?.get(typeUrl) ?? EMPTY;
      const shared = this.scopes.get(base)?.get(typeUrl) ?? EMPTY;
      view = own.size === 0 ? shared : new LayeredMap(shared, own);
      views.set(typeUrl, view);
    }
    return view;
  }

  /**
   * The version of a set of served resources (a map `resources` returned, or any other): computed
   * once per map. It depends on the set alone, however it is held: the API apart from the replicas
   * (RecordedProxies) versions a proxy's merged resources the same way to tell what it was sent.
   */
  versionOf(served: Served): string {
    let version = this.versions.get(served);
    if (version === undefined) {
      // A proxy's view is its group's map plus its own few resources: the group's sorted lines are reused.
      version = served instanceof LayeredMap ? versionOfSortedLines(mergeSortedLines(this.sortedLines(served.base), entriesOf(served.top), (name) => served.base.has(name))) : typeVersion(entriesOf(served));
      this.versions.set(served, version);
    }
    return version;
  }

  /** The sorted version lines of a group's map, kept while the map is served: its proxies' views each merge theirs into them. */
  private sortedLines(served: Served): readonly string[] {
    let lines = this.lines.get(served);
    if (!lines) {
      lines = [...served.values()].map((r) => versionLine(r.name, r.version)).sort();
      this.lines.set(served, lines);
    }
    return lines;
  }

  /** Whether the type was ever published for the scope (an empty list counts), or for its base. */
  isPublished(scope: string, typeUrl: XdsTypeUrl): boolean {
    const base = this.bases.get(scope);
    return (this.scopes.get(scope)?.has(typeUrl) ?? false) || (base !== undefined && (this.scopes.get(base)?.has(typeUrl) ?? false));
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

  /** Publishes `byType` to the scope; `alsoChanged` are types its readers must hear about anyway (a layered scope moved to another base). */
  private publish(scope: string, byType: ReadonlyMap<XdsTypeUrl, ResourceInput>, alsoChanged: ReadonlySet<XdsTypeUrl> = new Set()): PublishResult {
    const state: ScopeState = this.scopes.get(scope) ?? new Map();
    this.scopes.set(scope, state);
    const issues: SnapshotIssue[] = [];
    const changed = new Set<XdsTypeUrl>(alsoChanged);
    for (const [typeUrl, input] of byType) {
      if (this.replaceType(scope, state, typeUrl, input, issues)) changed.add(typeUrl);
    }
    // Views of unchanged types stay: a stream compares served maps by identity to skip them.
    for (const typeUrl of changed) this.views.get(scope)?.delete(typeUrl);
    const dependents = this.layered.get(scope);
    for (const dependent of dependents ?? []) for (const typeUrl of changed) this.views.get(dependent)?.delete(typeUrl);
    // A layer's own resources are checked against the merged scope; the base's shared ones once, on their own.
    issues.push(...checkSnapshot(scope, state, (typeUrl) => this.resources(scope, typeUrl)));
    for (const issue of issues) this.options.onIssue?.(issue);
    if (changed.size > 0) {
      this.notify({ scope, changedTypes: changed });
      for (const dependent of dependents ?? []) this.notify({ scope: dependent, changedTypes: changed });
    }
    return { changedTypes: [...changed], issues };
  }

  stats(): { scopes: number; distinctResources: number; encodes: Readonly<EncodeCounters> } {
    return { scopes: this.scopes.size, distinctResources: this.intern.size, encodes: { ...this.counters } };
  }

  private replaceType(scope: string, state: ScopeState, typeUrl: XdsTypeUrl, input: ResourceInput, issues: SnapshotIssue[]): boolean {
    const previous = state.get(typeUrl);
    if (previous && this.inputs.get(previous) === input) return false;
    const converted = this.converted.get(input);
    // A map whose every holder went (its scopes removed) lost its resources: convert the input afresh.
    if (converted && this.allHeld(converted)) return this.adopt(state, typeUrl, previous, converted);
    const next = new Map<string, CachedResource>();
    const acquired: CachedResource[] = [];
    let skipped = false;
    for (const [name, object] of input) {
      const old = previous?.get(name);
      const fresh = this.prepare(scope, typeUrl, name, object, issues);
      if (!fresh) {
        skipped = true;
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
    this.inputs.set(next, input);
    // What a scope serves for a skipped resource is its own last good version: such a map is not shared.
    if (!skipped) this.converted.set(input, next);
    return changed;
  }

  private allHeld(served: ReadonlyMap<string, CachedResource>): boolean {
    for (const resource of served.values()) if (!this.intern.holds(resource)) return false;
    return true;
  }

  /** Serves `next`, a map another scope made from the same input, holding what it adds and letting go of what it drops. */
  private adopt(state: ScopeState, typeUrl: XdsTypeUrl, previous: Served | undefined, next: ReadonlyMap<string, CachedResource>): boolean {
    let changed = !previous;
    for (const [name, resource] of next) {
      if (previous?.get(name) === resource) continue;
      this.intern.retain(resource);
      changed = true;
    }
    if (previous) {
      for (const [name, old] of previous) {
        if (next.get(name) === old) continue;
        this.intern.release(old);
        changed = true;
      }
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
    const prepared = this.encoding(typeUrl, name, object);
    if ('error' in prepared) {
      issues.push({ scope, typeUrl, name, kind: 'invalid-resource', message: prepared.error.message, errors: prepared.error.errors });
      return undefined;
    }
    return prepared;
  }

  /**
   * Validates and encodes the resources of `byType` that were not encoded yet, as publishing them
   * would, until `stop()` says the caller's time is up (asked after each encoding). Returns whether
   * all are encoded: publishing them afterwards then only compares versions, so a large snapshot
   * (a mesh's first translation, a new revision) can be encoded over several turns of the event
   * loop and published in one short step. What does not encode is remembered and reported when published.
   */
  encodeAhead(byType: ReadonlyMap<XdsTypeUrl, ResourceInput>, stop: () => boolean): boolean {
    for (const [typeUrl, input] of byType) {
      for (const [name, object] of input) {
        if (this.prepared.has(object) || resourceNameOf(typeUrl, object) !== name) continue;
        this.encoding(typeUrl, name, object);
        if (stop()) return false;
      }
    }
    return true;
  }

  /** The encoding of a resource object: remembered by object, and by content for equal objects built apart. */
  private encoding(typeUrl: XdsTypeUrl, name: string, object: ResourceObject): Prepared {
    // Translation hands out the same object for unchanged pieces; such objects are never mutated after publishing.
    let prepared = this.prepared.get(object);
    if (prepared) return prepared;
    // Translation builds objects in a fixed key order, so equal content gives equal JSON. A listener
    // with an address is keyed by what it shares with other replicas' and its address: that part is
    // hashed once, and its address alone is written out again.
    const split = splitAddress(typeUrl, object);
    const restKey = split ? contentKey(typeUrl, split.rest) : undefined;
    const key = split ? `${restKey}@${JSON.stringify(split.address)}` : contentKey(typeUrl, object);
    prepared = this.byContent.get(key);
    if (!prepared) {
      try {
        this.counters.resources++;
        const body = this.encode(typeUrl, object, name, restKey);
        prepared = { version: contentVersion(body), body };
      } catch (err) {
        if (!(err instanceof ResourceEncodeError)) throw err;
        prepared = { error: err };
      }
      this.byContent.set(key, prepared);
    }
    this.prepared.set(object, prepared);
    return prepared;
  }

  /** What a listener shares with other replicas' (all but its address) is validated and encoded once. */
  private encode(typeUrl: XdsTypeUrl, object: ResourceObject, name: string, restKey: string | undefined): Uint8Array {
    return encodeServed(typeUrl, object, name, (rest) => {
      const key = restKey ?? contentKey(typeUrl, rest);
      let shared = this.byContent.get(key);
      if (!shared) {
        try {
          const body = encodeResource(typeUrl, rest, name);
          shared = { version: contentVersion(body), body };
        } catch (err) {
          if (!(err instanceof ResourceEncodeError)) throw err;
          shared = { error: err };
        }
        this.byContent.set(key, shared);
      }
      if ('error' in shared) throw shared.error;
      return shared.body;
    });
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

function* entriesOf(served: Served): Iterable<readonly [string, string]> {
  for (const r of served.values()) yield [r.name, r.version];
}
