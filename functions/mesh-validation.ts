import { validateMeshConfig } from '../core/resources/index.ts';
import type { IstioResource, ResourceKey } from '../core/resources/resource.ts';
import { keyOf, keyString } from '../core/resources/resource.ts';
import type { ConfigStore } from '../core/store/config-store.ts';
import { ValidationError } from '../core/errors.ts';

/**
 * Cross-resource validation of a mesh after `puts` and `deletes`. Only problems the change
 * introduces are reported, so config stored under older rules never blocks unrelated changes.
 * Returns the mesh's resources as they would be after the change (for the analyzers).
 */
export async function checkMeshConfig(
  store: ConfigStore,
  tenantId: string,
  mesh: string,
  puts: readonly IstioResource[],
  deletes: readonly ResourceKey[] = [],
): Promise<IstioResource[]> {
  const { resources } = await store.snapshot(tenantId, mesh);
  const byKey = new Map<string, IstioResource>(resources.map((r) => [keyString(keyOf(r)), r]));
  const before = new Set(validateMeshConfig(resources).map((e) => `${e.path}\u0000${e.message}`));
  for (const k of deletes) byKey.delete(keyString(k));
  for (const r of puts) byKey.set(keyString(keyOf(r)), r);
  const introduced = validateMeshConfig([...byKey.values()]).filter((e) => !before.has(`${e.path}\u0000${e.message}`));
  if (introduced.length > 0) {
    throw new ValidationError('The change conflicts with other resources of the mesh.', introduced);
  }
  return [...byKey.values()];
}
