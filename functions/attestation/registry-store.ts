import { ATTESTATION_SETTINGS_KEY, readRegistry, type AttestationRegistry } from '../../core/identity/attestation/registrations.ts';
import { ConflictError, NotFoundError, PreconditionFailedError } from '../../core/errors.ts';
import type { ConfigStore, MeshRecord, MeshSettings } from '../../core/store/config-store.ts';

/** Concurrent writers of one mesh's settings retry this often before giving up with a 409. */
const MAX_ATTEMPTS = 5;

/**
 * Trust sources live in the mesh's settings document under a key that PUT /v1/meshes cannot
 * write: mesh-scoped, durable in every store, deleted with the mesh, with no new store port.
 * Each change is a compare-and-set on the settings version, retried on a concurrent write.
 */
export async function updateRegistry<T>(store: ConfigStore, tenantId: string, meshName: string, change: (registry: AttestationRegistry, mesh: MeshRecord) => { registry: AttestationRegistry; result: T }): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const mesh = await store.getMesh(tenantId, meshName);
    if (!mesh) throw new NotFoundError(`Mesh "${meshName}" does not exist. Create it with PUT /v1/meshes/${meshName}.`);
    const { registry, result } = change(readRegistry(mesh.settings), mesh);
    try {
      await store.putMesh(tenantId, meshName, { ...mesh.settings, [ATTESTATION_SETTINGS_KEY]: registry }, { expectedVersion: mesh.version });
      return result;
    } catch (err) {
      if (!(err instanceof PreconditionFailedError)) throw err;
      if (attempt >= MAX_ATTEMPTS) throw new ConflictError(`Mesh "${meshName}" changed ${MAX_ATTEMPTS} times while registering; retry.`, { cause: err });
    }
  }
}

/** The settings as tenants see and write them: trust sources have their own API. */
export function withoutRegistry(settings: MeshSettings): MeshSettings {
  const { [ATTESTATION_SETTINGS_KEY]: _registry, ...rest } = settings;
  return rest;
}

/** A settings document to store in place of `current`, keeping its trust sources. */
export function keepingRegistry(next: MeshSettings, current: MeshRecord | undefined): MeshSettings {
  const kept = current?.settings[ATTESTATION_SETTINGS_KEY];
  return kept === undefined ? next : { ...next, [ATTESTATION_SETTINGS_KEY]: kept };
}

/**
 * PUT /v1/meshes: replaces the tenant's settings but keeps the trust sources. Without a client
 * precondition the write is still a compare-and-set, so a registration made meanwhile is not lost.
 */
export async function putMeshKeepingRegistry(store: ConfigStore, tenantId: string, name: string, settings: MeshSettings, precondition: string | null | undefined): ReturnType<ConfigStore['putMesh']> {
  if (precondition === null) return store.putMesh(tenantId, name, settings, { expectedVersion: null });
  for (let attempt = 1; ; attempt++) {
    const current = await store.getMesh(tenantId, name);
    try {
      return await store.putMesh(tenantId, name, keepingRegistry(settings, current), { expectedVersion: precondition ?? current?.version ?? null });
    } catch (err) {
      if (!(err instanceof PreconditionFailedError) || precondition !== undefined || attempt >= MAX_ATTEMPTS) throw err;
    }
  }
}
