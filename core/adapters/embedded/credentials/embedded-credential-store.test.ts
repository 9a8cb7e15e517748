import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTestCa, makeTestLeaf } from '../../../../test/support/tls-certificates.ts';
import { validateCredential } from '../../../credentials/validate-credential.ts';
import type { StoredCredential } from '../../../credentials/credential-store.ts';
import { EmbeddedCredentialStore } from './embedded-credential-store.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'trellis-credentials-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function credential(namespace: string, name: string): Promise<StoredCredential> {
  const ca = await makeTestCa('ca');
  const leaf = await makeTestLeaf(ca, { dns: [`${name}.example.com`], commonName: name });
  const checked = validateCredential(namespace, name, { certificateChain: leaf.certificatePem, privateKey: leaf.privateKeyPem, caCertificates: ca.certificatePem }, new Date());
  if (!checked.ok) throw new Error('invalid test credential');
  return checked.value;
}

describe('embedded credential store', () => {
  it('keeps private keys encrypted at rest, owner-only, and returns them only through materials()', async () => {
    // Prepare
    const store = await EmbeddedCredentialStore.open({ dir: path.join(dir, 'credentials') });
    const a = await credential('ingress', 'a');
    // Act
    expect(await store.put('default', 'm1', a)).toEqual({ created: true });
    expect(await store.put('default', 'm1', a)).toEqual({ created: false });
    // Assess
    const file = path.join(dir, 'credentials', 'default', 'm1', 'ingress', 'a.json');
    const onDisk = await readFile(file, 'utf8');
    expect(onDisk).not.toContain('PRIVATE KEY');
    expect(onDisk).not.toContain(a.material.privateKey.split('\n')[1]);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(path.join(dir, 'credentials', 'credentials.key'))).mode & 0o777).toBe(0o600);
    expect(await store.get('default', 'm1', 'ingress', 'a')).toEqual(a.metadata);
    expect(await store.list('default', 'm1')).toEqual([a.metadata]);
    expect((await store.materials('default', 'm1')).get('ingress/a')).toEqual(a.material);
    // A reopened store (same key file) still decrypts.
    const reopened = await EmbeddedCredentialStore.open({ dir: path.join(dir, 'credentials') });
    expect((await reopened.materials('default', 'm1')).get('ingress/a')?.privateKey).toBe(a.material.privateKey);
  });

  it('keeps meshes apart and binds a record to its place: a copy under another mesh does not decrypt', async () => {
    const store = await EmbeddedCredentialStore.open({ dir });
    await store.put('default', 'm1', await credential('ingress', 'a'));
    expect(await store.list('default', 'm2')).toEqual([]);
    expect((await store.materials('other', 'm1')).size).toBe(0);
    const copy = path.join(dir, 'default', 'm2', 'ingress');
    await mkdir(copy, { recursive: true });
    await writeFile(path.join(copy, 'a.json'), await readFile(path.join(dir, 'default', 'm1', 'ingress', 'a.json')));
    await expect(store.materials('default', 'm2')).rejects.toThrow();
  });

  it('deletes, and reports whether there was anything to delete', async () => {
    const store = await EmbeddedCredentialStore.open({ dir });
    await store.put('default', 'm1', await credential('ingress', 'a'));
    expect(await store.delete('default', 'm1', 'ingress', 'a')).toBe(true);
    expect(await store.delete('default', 'm1', 'ingress', 'a')).toBe(false);
    expect(await store.get('default', 'm1', 'ingress', 'a')).toBeUndefined();
    expect(await readdir(path.join(dir, 'default', 'm1', 'ingress'))).toEqual([]);
    await store.put('default', 'm1', await credential('ingress', 'b'));
    await store.put('default', 'm2', await credential('ingress', 'c'));
    await store.deleteMesh('default', 'm1');
    expect(await store.list('default', 'm1')).toEqual([]);
    expect((await store.list('default', 'm2')).map((m) => m.name)).toEqual(['c']);
  });
});
