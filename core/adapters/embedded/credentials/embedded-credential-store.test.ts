import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
// Tests may use the shared test tools and contract suite; lint keeps production code in core/ away from test/.
import { credentialStoreContract } from '../../../../test/contracts/credential-store-contract.ts';
import { makeTestCa, makeTestLeaf } from '../../../../test/support/tls-certificates.ts';
import { validateCredential } from '../../../credentials/validate-credential.ts';
import type { StoredCredential } from '../../../credentials/credential-store.ts';
import { EmbeddedCredentialStore } from './embedded-credential-store.ts';

credentialStoreContract('embedded (files)', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'trellis-credentials-contract-'));
  return {
    store: await EmbeddedCredentialStore.open({ dir: root }),
    reopen: () => EmbeddedCredentialStore.open({ dir: root }),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
});

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

describe('embedded credential store on disk', () => {
  it('keeps private keys encrypted at rest, owner-only, with the data key beside the records', async () => {
    // Prepare
    const store = await EmbeddedCredentialStore.open({ dir: path.join(dir, 'credentials') });
    const a = await credential('ingress', 'a');
    // Act
    await store.put('default', 'm1', a);
    // Assess
    const file = path.join(dir, 'credentials', 'default', 'm1', 'ingress', 'a.json');
    const onDisk = await readFile(file, 'utf8');
    expect(onDisk).not.toContain('PRIVATE KEY');
    expect(onDisk).not.toContain(a.material.privateKey.split('\n')[1]);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(path.join(dir, 'credentials', 'credentials.key'))).mode & 0o777).toBe(0o600);
  });

  it('binds a record to its place: a copy under another mesh does not decrypt', async () => {
    const store = await EmbeddedCredentialStore.open({ dir });
    await store.put('default', 'm1', await credential('ingress', 'a'));
    const copy = path.join(dir, 'default', 'm2', 'ingress');
    await mkdir(copy, { recursive: true });
    await writeFile(path.join(copy, 'a.json'), await readFile(path.join(dir, 'default', 'm1', 'ingress', 'a.json')));
    await expect(store.materials('default', 'm2')).rejects.toThrow();
  });

  it('removes the file of a deleted credential and the directory of a deleted mesh', async () => {
    const store = await EmbeddedCredentialStore.open({ dir });
    await store.put('default', 'm1', await credential('ingress', 'a'));
    await store.delete('default', 'm1', 'ingress', 'a');
    expect(await readdir(path.join(dir, 'default', 'm1', 'ingress'))).toEqual([]);
    await store.deleteMesh('default', 'm1');
    expect(await readdir(path.join(dir, 'default'))).toEqual([]);
  });
});
