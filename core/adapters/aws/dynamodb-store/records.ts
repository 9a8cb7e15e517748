import type { ResourceKey, StoredResource } from '../../../resources/resource.ts';
import type { ApiKeyRecord, MeshRecord, MeshSettings, RevisionChange, RevisionRecord, TenantRecord } from '../../../store/config-store.ts';
import { decodeDocument, encodeDocument } from './document.ts';
import { apiKeyHashKey, apiKeyKey, currentSk, historySk, meshKey, meshPartition, revisionSk, tenantKey } from './keys.ts';
import type { Item } from './table-client.ts';

/** The mesh item: settings, their version, the config head and the generation id of its partition. */
export interface MeshFields {
  tenantId: string;
  name: string;
  meshId: string;
  settings: string;
  version: number;
  revision: number;
  createdAt: string;
  updatedAt: string;
}

export type MeshItem = Item & MeshFields;

export function tenantItem(record: TenantRecord): Item {
  return { ...tenantKey(record.id), id: record.id, displayName: record.displayName, createdAt: record.createdAt };
}

export function tenantRecord(item: Item): TenantRecord {
  return { id: item.id as string, ...(item.displayName !== undefined && { displayName: item.displayName as string }), createdAt: item.createdAt as string };
}

/** The key item (under its tenant) and its copy under the hash, for lookup by hash and uniqueness. */
export function apiKeyItems(key: ApiKeyRecord): { byId: Item; byHash: Item } {
  const fields = { id: key.id, tenantId: key.tenantId, hash: key.hash, role: key.role, description: key.description, createdAt: key.createdAt };
  return { byId: { ...apiKeyKey(key.tenantId, key.id), ...fields }, byHash: { ...apiKeyHashKey(key.hash), ...fields } };
}

export function apiKeyRecord(item: Item): ApiKeyRecord {
  return {
    id: item.id as string,
    tenantId: item.tenantId as string,
    hash: item.hash as string,
    role: item.role as ApiKeyRecord['role'],
    ...(item.description !== undefined && { description: item.description as string }),
    createdAt: item.createdAt as string,
  };
}

export function meshItem(fields: MeshFields): MeshItem {
  return { ...meshKey(fields.tenantId, fields.name), ...fields };
}

export function meshRecord(item: MeshItem): MeshRecord {
  return {
    tenantId: item.tenantId,
    name: item.name,
    settings: JSON.parse(item.settings) as MeshSettings,
    version: String(item.version),
    revision: item.revision,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
  };
}

export function currentItem(meshId: string, resource: StoredResource, revision: number, key: ResourceKey): Item {
  return { PK: meshPartition(meshId), SK: currentSk(key), ver: revision, ...encodeDocument(resource) };
}

/** What a key held from `revision` on: its body, or a tombstone when it was deleted then. */
export function historyItem(meshId: string, key: ResourceKey, revision: number, resource: StoredResource | undefined): Item {
  const base = { PK: meshPartition(meshId), SK: historySk(key, revision), ver: revision };
  return resource ? { ...base, ...encodeDocument(resource) } : { ...base, deleted: true };
}

export function resourceOf(item: Item): StoredResource | undefined {
  return item.deleted === true ? undefined : decodeDocument(item);
}

export function revisionItem(meshId: string, record: RevisionRecord): Item {
  return {
    PK: meshPartition(meshId),
    SK: revisionSk(record.revision),
    rev: record.revision,
    author: record.author,
    createdAt: record.createdAt,
    message: record.message,
    rollbackTo: record.rollbackTo,
    changes: JSON.stringify(record.changes),
  };
}

export function revisionRecord(item: Item): RevisionRecord {
  return {
    revision: item.rev as number,
    author: item.author as string,
    createdAt: item.createdAt as string,
    ...(item.message !== undefined && { message: item.message as string }),
    ...(item.rollbackTo !== undefined && { rollbackTo: item.rollbackTo as number }),
    changes: JSON.parse(item.changes as string) as RevisionChange[],
  };
}
