export { ResourceCache, type PublishResult, type ResourceCacheOptions, type ResourceInput, type ScopeChange, type ScopeWatcher } from './resource-cache.ts';
export { CachedResource } from './cached-resource.ts';
export { contentVersion } from './content-version.ts';
export { checkSnapshot } from './check-snapshot.ts';
export { referencesOf, type ResourceReference } from './references.ts';
export type { SnapshotIssue } from './snapshot-issue.ts';
export type { EncodeCounters } from './encode-counters.ts';
export { typeVersion } from './type-version.ts';
export { LayeredMap } from './layered-map.ts';
