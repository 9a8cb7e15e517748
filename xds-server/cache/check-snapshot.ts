import { CLUSTER_TYPE_URL, resourceTypeInfo, type XdsTypeUrl } from '../protos/index.ts';
import type { CachedResource } from './cached-resource.ts';
import type { SnapshotIssue } from './snapshot-issue.ts';

/**
 * Every EDS name a cluster needs is in the endpoints and every RDS name a listener needs is
 * in the routes. Missing names are reported; the proxy waits for them (the subscription is kept).
 * Clusters named by routes are not checked: a route to a missing cluster is a valid 503.
 */
export function checkSnapshot(
  scope: string,
  resources: ReadonlyMap<XdsTypeUrl, ReadonlyMap<string, CachedResource>>,
  /** Where referenced names are looked up (default: among `resources`); a layer checks its own resources against the merged scope. */
  served: (typeUrl: XdsTypeUrl) => ReadonlyMap<string, CachedResource> | undefined = (typeUrl) => resources.get(typeUrl),
): SnapshotIssue[] {
  const issues: SnapshotIssue[] = [];
  for (const [typeUrl, byName] of resources) {
    for (const resource of byName.values()) {
      for (const ref of resource.references) {
        if (ref.typeUrl === CLUSTER_TYPE_URL) continue;
        if (served(ref.typeUrl)?.has(ref.name)) continue;
        issues.push({
          scope,
          typeUrl,
          name: resource.name,
          kind: 'missing-reference',
          message: `${resourceTypeInfo(typeUrl).short} "${resource.name}" needs ${resourceTypeInfo(ref.typeUrl).short} "${ref.name}", which is not published`,
        });
      }
    }
  }
  return issues;
}
