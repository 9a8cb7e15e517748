import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { IstioResource } from '../../../resources/resource.ts';
import type { ConfigStore } from '../../../store/config-store.ts';

/** A temp store directory and a tenant `t` with mesh `m`, for the embedded-only tests. */
export async function tempDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'trellis-store-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export async function seed(store: ConfigStore, commits: number): Promise<void> {
  await store.createTenant({ id: 't' });
  await store.putMesh('t', 'm', {});
  for (let i = 1; i <= commits; i++) {
    await store.commit({ tenantId: 't', mesh: 'm', author: 'test', changes: [{ op: 'put', resource: service(`s${i}`) }, { op: 'put', resource: service('shared', i) }] });
  }
}

export function service(name: string, weight = 1): IstioResource {
  return { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name, namespace: 'web' }, spec: { hosts: [name], http: [{ route: [{ destination: { host: name }, weight }] }] } };
}

/** The one mesh journal in a store directory seeded with a single mesh. */
export async function meshJournal(dir: string): Promise<string> {
  const [file] = await readdir(path.join(dir, 'meshes'));
  if (!file) throw new Error('no mesh journal');
  return path.join(dir, 'meshes', file);
}
