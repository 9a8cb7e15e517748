import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CredentialStore, StoredCredential } from '../../core/credentials/credential-store.ts';
import { CREDENTIAL_LIMITS, validateCredential } from '../../core/credentials/validate-credential.ts';
import { ValidationError } from '../../core/errors.ts';
import { makeTestCa, makeTestLeaf, type TestCertificate } from '../support/tls-certificates.ts';

/** What an implementation hands the suite for one test. */
export interface CredentialStoreHarness {
  store: CredentialStore;
  /** A second store over the same data, as another process or replica would open it. */
  reopen(): Promise<CredentialStore>;
  /** Closes whatever the harness opened. */
  cleanup(): Promise<void>;
}

let seq = 0;
/** Tenant ids unique per test, so an implementation may share backing data (one table) between tests. */
const uniqueTenant = () => `t${process.pid.toString(36)}-${Date.now().toString(36)}-${(seq++).toString(36)}`;

/**
 * The CredentialStore contract of `core/credentials/credential-store.ts`: create or replace,
 * metadata without keys, ordering, isolation between tenants and meshes, delete, mesh deletion,
 * credentials at the size limits, and refusal of places that are not DNS labels.
 */
export function credentialStoreContract(name: string, makeStore: () => Promise<CredentialStoreHarness>): void {
  describe(`CredentialStore contract: ${name}`, () => {
    let harness: CredentialStoreHarness | undefined;
    let ca: TestCertificate;
    let tenant: string;
    const store = () => {
      if (!harness) throw new Error('no store: beforeEach did not run');
      return harness.store;
    };

    async function credential(namespace: string, credentialName: string, withCa = true): Promise<StoredCredential> {
      const leaf = await makeTestLeaf(ca, { dns: [`${credentialName}.example.com`], commonName: credentialName });
      const checked = validateCredential(namespace, credentialName, { certificateChain: leaf.certificatePem, privateKey: leaf.privateKeyPem, ...(withCa && { caCertificates: ca.certificatePem }) }, new Date());
      if (!checked.ok) throw new Error(`invalid test credential: ${JSON.stringify(checked.errors)}`);
      return checked.value;
    }

    beforeAll(async () => {
      ca = await makeTestCa('contract-ca');
    });
    beforeEach(async () => {
      tenant = uniqueTenant();
      harness = await makeStore();
    });
    afterEach(async () => {
      await harness?.cleanup();
      harness = undefined;
    });

    it('creates, then replaces: created tells which, and the replacement is what is served', async () => {
      const first = await credential('ingress', 'a');
      const second = await credential('ingress', 'a');
      expect(await store().put(tenant, 'm1', first)).toEqual({ created: true });
      expect(await store().put(tenant, 'm1', second)).toEqual({ created: false });
      expect(await store().get(tenant, 'm1', 'ingress', 'a')).toEqual(second.metadata);
      expect(await store().list(tenant, 'm1')).toEqual([second.metadata]);
      const served = await store().materials(tenant, 'm1');
      expect([...served.keys()]).toEqual(['ingress/a']);
      expect(served.get('ingress/a')).toEqual(second.material);
    });

    it('returns metadata only from get and list; the private key only from materials', async () => {
      const a = await credential('ingress', 'a');
      await store().put(tenant, 'm1', a);
      const keyLine = a.material.privateKey.split('\n')[1]!;
      for (const shown of [await store().get(tenant, 'm1', 'ingress', 'a'), await store().list(tenant, 'm1')]) {
        expect(JSON.stringify(shown)).not.toContain('PRIVATE KEY');
        expect(JSON.stringify(shown)).not.toContain(keyLine);
      }
      expect((await store().materials(tenant, 'm1')).get('ingress/a')?.privateKey).toBe(a.material.privateKey);
    });

    it('keeps a credential without CA certificates without the field', async () => {
      const plain = await credential('ingress', 'plain', false);
      await store().put(tenant, 'm1', plain);
      expect((await store().materials(tenant, 'm1')).get('ingress/plain')).toStrictEqual({ certificateChain: plain.material.certificateChain, privateKey: plain.material.privateKey });
    });

    it('serves what another store over the same data wrote', async () => {
      const a = await credential('ingress', 'a');
      await store().put(tenant, 'm1', a);
      const other = await harness!.reopen();
      expect(await other.get(tenant, 'm1', 'ingress', 'a')).toEqual(a.metadata);
      expect((await other.materials(tenant, 'm1')).get('ingress/a')).toEqual(a.material);
    });

    it('lists by namespace, then name, as strings compare (a before a-b, in both)', async () => {
      for (const [ns, n] of [['b', 'x'], ['a-b', 'x'], ['a', 'z'], ['a', 'a-b'], ['a', 'a'], ['a', 'a1']] as const) await store().put(tenant, 'm1', await credential(ns, n));
      const expected = ['a/a', 'a/a-b', 'a/a1', 'a/z', 'a-b/x', 'b/x'];
      expect((await store().list(tenant, 'm1')).map((m) => `${m.namespace}/${m.name}`)).toEqual(expected);
      expect([...(await store().materials(tenant, 'm1')).keys()]).toEqual(expected);
    });

    it('keeps tenants and meshes apart', async () => {
      const other = uniqueTenant();
      await store().put(tenant, 'm1', await credential('ingress', 'a'));
      await store().put(other, 'm1', await credential('ingress', 'b'));
      await store().put(tenant, 'm2', await credential('ingress', 'c'));
      expect((await store().list(tenant, 'm1')).map((m) => m.name)).toEqual(['a']);
      expect((await store().list(other, 'm1')).map((m) => m.name)).toEqual(['b']);
      expect([...(await store().materials(tenant, 'm2')).keys()]).toEqual(['ingress/c']);
      expect(await store().get(other, 'm1', 'ingress', 'a')).toBeUndefined();
      expect(await store().list(tenant, 'm3')).toEqual([]);
      expect((await store().materials(tenant, 'm3')).size).toBe(0);
    });

    it('deletes, and reports whether there was anything to delete', async () => {
      await store().put(tenant, 'm1', await credential('ingress', 'a'));
      await store().put(tenant, 'm1', await credential('ingress', 'b'));
      expect(await store().delete(tenant, 'm1', 'ingress', 'a')).toBe(true);
      expect(await store().delete(tenant, 'm1', 'ingress', 'a')).toBe(false);
      expect(await store().delete(tenant, 'm1', 'nowhere', 'a')).toBe(false);
      expect(await store().get(tenant, 'm1', 'ingress', 'a')).toBeUndefined();
      expect([...(await store().materials(tenant, 'm1')).keys()]).toEqual(['ingress/b']);
      // Deleted means gone: putting it again creates it.
      expect(await store().put(tenant, 'm1', await credential('ingress', 'a'))).toEqual({ created: true });
    });

    it('deletes every credential of one mesh and nothing else', async () => {
      for (let i = 0; i < 30; i++) await store().put(tenant, 'm1', await credential(`ns${i % 3}`, `c${i}`));
      await store().put(tenant, 'm2', await credential('ingress', 'kept'));
      expect(await store().list(tenant, 'm1')).toHaveLength(30);
      await store().deleteMesh(tenant, 'm1');
      expect(await store().list(tenant, 'm1')).toEqual([]);
      expect((await store().materials(tenant, 'm1')).size).toBe(0);
      expect((await store().list(tenant, 'm2')).map((m) => m.name)).toEqual(['kept']);
      await expect(store().deleteMesh(tenant, 'never-had-any')).resolves.toBeUndefined();
    });

    it('keeps a credential at the size limits whole (every PEM field at its maximum)', async () => {
      const a = await credential('ingress', 'big');
      const pad = (pem: string) => pem + '#'.repeat(CREDENTIAL_LIMITS.maxPemBytes - pem.length);
      const big: StoredCredential = {
        metadata: a.metadata,
        material: { certificateChain: pad(a.material.certificateChain), privateKey: pad(a.material.privateKey), caCertificates: pad(ca.certificatePem) },
      };
      await store().put(tenant, 'm1', big);
      const served = (await store().materials(tenant, 'm1')).get('ingress/big');
      expect(served?.privateKey).toHaveLength(CREDENTIAL_LIMITS.maxPemBytes);
      expect(served).toEqual(big.material);
    });

    it.each([
      ['tenantId', (s: CredentialStore, c: StoredCredential) => s.put('../etc', 'm1', c)],
      ['mesh', (s: CredentialStore, c: StoredCredential) => s.put(tenant, 'm1/..', c)],
      ['namespace', (s: CredentialStore, c: StoredCredential) => s.put(tenant, 'm1', { ...c, metadata: { ...c.metadata, namespace: 'a#b' } })],
      ['name', (s: CredentialStore, c: StoredCredential) => s.put(tenant, 'm1', { ...c, metadata: { ...c.metadata, name: 'A'.repeat(64) } })],
      ['namespace', (s: CredentialStore) => s.get(tenant, 'm1', '..', 'a')],
      ['name', (s: CredentialStore) => s.delete(tenant, 'm1', 'ingress', '')],
      ['mesh', (s: CredentialStore) => s.list(tenant, 'M1')],
      ['mesh', (s: CredentialStore) => s.materials(tenant, '.')],
      ['tenantId', (s: CredentialStore) => s.deleteMesh('a/b', 'm1')],
    ])('refuses a %s that is not a DNS label, and stores nothing', async (path, call) => {
      const c = await credential('ingress', 'a');
      const error = await call(store(), c).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).errors).toEqual([expect.objectContaining({ path })]);
      expect(await store().list(tenant, 'm1')).toEqual([]);
    });
  });
}
