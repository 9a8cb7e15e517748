import type { ResourceCache } from '../cache/index.ts';
import type { ProxyStatus } from '../server/index.ts';
import { typeInSync } from '../server/type-sync.ts';

/**
 * Whether a stream holds exactly what the cache serves its scope: for every type it tracks, the
 * proxy acknowledged every resource it was sent, at the version the cache has now, and (for
 * wildcard types) holds nothing the cache dropped. A NACKed or held-back update is not in sync.
 */
export function streamInSync(status: ProxyStatus, cache: ResourceCache): boolean {
  return status.types.every((t) => typeInSync(t, cache.resources(status.scope, t.typeUrl)));
}
