import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { X509Certificate as NodeX509 } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, ValidationError } from '../../../errors.ts';
import { x509 } from '../../../ca/x509.ts';
import { makeCsr } from '../../../ca/testing/make-csr.ts';
import type { TestKeyAlgorithm } from '../../../ca/testing/make-csr.ts';
import { openEmbeddedCa } from './embedded-ca.ts';

const SPIFFE_ID = 'spiffe://prod.acme.trellis.local/ns/shop/sa/cart';
const t0 = new Date('2026-03-01T12:00:00Z');

let dir: string;
beforeEach(async () => {
  dir = path.join(await mkdtemp(path.join(tmpdir(), 'trellis-ca-')), 'ca');
});
afterEach(async () => {
  await rm(path.dirname(dir), { recursive: true, force: true });
});

function bundleOf(pem: string): x509.X509Certificate[] {
  return x509.PemConverter.decode(pem).map((der) => new x509.X509Certificate(der));
}

/** Verifies with Node's OpenSSL-backed X509Certificate, independently of the library that signed. */
function chainsTo(leafPem: string, bundlePem: string): boolean {
  const leaf = new NodeX509(leafPem);
  return bundleOf(bundlePem).some((root) => {
    const nodeRoot = new NodeX509(root.toString('pem'));
    return leaf.checkIssued(nodeRoot) && leaf.verify(nodeRoot.publicKey);
  });
}

async function expectRejected(promise: Promise<unknown>, message: string): Promise<void> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ValidationError);
  expect((err as ValidationError).errors[0]?.message).toContain(message);
}

describe('embedded CA', () => {
  it('issues an X.509-SVID whose only identity is the requested SPIFFE ID', async () => {
    // Prepare
    const ca = await openEmbeddedCa({ dir, now: () => t0 });
    const csr = await makeCsr({ uris: ['spiffe://evil/ns/kube-system/sa/admin'], dns: ['evil.example'], subject: 'CN=admin' });
    // Act
    const issued = await ca.issue({ csrPem: csr.pem, spiffeId: SPIFFE_ID, ttlSeconds: 3600 });
    // Assess
    const [leaf] = bundleOf(issued.certificateChainPem);
    if (!leaf) throw new Error('no leaf');
    expect(leaf.subject).toBe('');
    const san = leaf.getExtension(x509.SubjectAlternativeNameExtension);
    expect(san?.critical).toBe(true);
    expect(san?.names.toJSON()).toEqual([{ type: 'url', value: SPIFFE_ID }]);
    expect(leaf.getExtension(x509.BasicConstraintsExtension)?.ca).toBe(false);
    expect(leaf.getExtension(x509.KeyUsagesExtension)?.usages).toBe(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment);
    expect(leaf.getExtension(x509.ExtendedKeyUsageExtension)?.usages).toEqual([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]);
    const root = ca.activeRoot().certificate;
    const rootSki = root.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
    expect(leaf.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId).toBe(rootSki);
    expect(leaf.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId).toBeTruthy();
    // Only the CSR's public key is taken.
    const csrSpki = Buffer.from(await crypto.subtle.exportKey('spki', csr.keys.publicKey));
    expect(Buffer.from(leaf.publicKey.rawData).equals(csrSpki)).toBe(true);
    expect(issued.notBefore).toEqual(new Date(t0.getTime() - 60_000));
    expect(issued.notAfter).toEqual(new Date(t0.getTime() + 3600_000));
    expect(issued.serialNumber).toBe(leaf.serialNumber);
    expect(issued.serialNumber).toMatch(/^[0-7][0-9a-f]{31}$/);
    expect(chainsTo(issued.certificateChainPem, issued.trustBundlePem)).toBe(true);
    const chain = await new x509.X509ChainBuilder({ certificates: bundleOf(issued.trustBundlePem) }).build(leaf);
    expect(chain).toHaveLength(2);
  });

  it('keeps the root across restarts, with owner-only permissions', async () => {
    const first = await openEmbeddedCa({ dir, now: () => t0 });
    const bundle = await first.trustBundle();
    const reopened = await openEmbeddedCa({ dir, now: () => t0 });
    expect(await reopened.trustBundle()).toBe(bundle);
    const issued = await reopened.issue({ csrPem: (await makeCsr()).pem, spiffeId: SPIFFE_ID, ttlSeconds: 60 });
    expect(chainsTo(issued.certificateChainPem, bundle)).toBe(true);

    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    const keys = (await readdir(dir)).filter((f) => f.endsWith('.key.pem'));
    expect(keys).toHaveLength(1);
    expect((await stat(path.join(dir, keys[0] as string))).mode & 0o777).toBe(0o600);
    expect(firstRoot(bundle).getExtension(x509.BasicConstraintsExtension)?.ca).toBe(true);
  });

  it('creates one root when two processes open an empty directory at once', async () => {
    const [a, b] = await Promise.all([openEmbeddedCa({ dir }), openEmbeddedCa({ dir })]);
    expect(await a.trustBundle()).toBe(await b.trustBundle());
    expect((await readdir(dir)).filter((f) => f.endsWith('.key.pem'))).toHaveLength(1);
  });

  it('caps notAfter below the root expiry', async () => {
    let now = t0;
    const ca = await openEmbeddedCa({ dir, now: () => now });
    const rootNotAfter = ca.activeRoot().certificate.notAfter;
    now = new Date(rootNotAfter.getTime() - 3600_000);
    const issued = await ca.issue({ csrPem: (await makeCsr()).pem, spiffeId: SPIFFE_ID, ttlSeconds: 86_400 });
    expect(issued.notAfter.getTime()).toBeLessThan(rootNotAfter.getTime());
  });

  it('rotates the root: leaves from the old and the new root both verify against the bundle', async () => {
    // Prepare
    const ca = await openEmbeddedCa({ dir, now: () => t0 });
    const oldRoot = ca.activeRoot();
    const fromOld = await ca.issue({ csrPem: (await makeCsr()).pem, spiffeId: SPIFFE_ID, ttlSeconds: 3600 });
    // Act
    await ca.rotateRoot();
    const fromNew = await ca.issue({ csrPem: (await makeCsr()).pem, spiffeId: SPIFFE_ID, ttlSeconds: 3600 });
    // Assess
    expect(ca.activeRoot().id).not.toBe(oldRoot.id);
    const bundle = await ca.trustBundle();
    expect(bundleOf(bundle)).toHaveLength(2);
    expect(fromNew.trustBundlePem).toBe(bundle);
    expect(chainsTo(fromOld.certificateChainPem, bundle)).toBe(true);
    expect(chainsTo(fromNew.certificateChainPem, bundle)).toBe(true);
    expect(chainsTo(fromNew.certificateChainPem, fromOld.trustBundlePem)).toBe(false);
    await expect(ca.rotateRoot()).rejects.toBeInstanceOf(ConflictError);

    // The rotation survives a restart.
    const reopened = await openEmbeddedCa({ dir, now: () => t0 });
    expect(await reopened.trustBundle()).toBe(bundle);

    await ca.retireOldRoot();
    const retired = await ca.trustBundle();
    expect(bundleOf(retired)).toHaveLength(1);
    expect(chainsTo(fromNew.certificateChainPem, retired)).toBe(true);
    expect(chainsTo(fromOld.certificateChainPem, retired)).toBe(false);
    expect((await readdir(dir)).filter((f) => f.endsWith('.key.pem'))).toHaveLength(1);
    expect(await (await openEmbeddedCa({ dir })).trustBundle()).toBe(retired);
  });

  it.each<[TestKeyAlgorithm, string]>([
    ['P-384', ''],
    ['RSA-2048', ''],
    ['P-521', 'EC curve secp521r1 is not allowed'],
    ['RSA-1024', 'RSA key of 1024 bits is too weak'],
    ['Ed25519', 'ed25519 keys are not allowed'],
  ])('CSR key %s is %s', async (algorithm, refusal) => {
    const ca = await openEmbeddedCa({ dir });
    const request = ca.issue({ csrPem: (await makeCsr({ algorithm })).pem, spiffeId: SPIFFE_ID, ttlSeconds: 60 });
    if (refusal) await expectRejected(request, refusal);
    else await expect(request).resolves.toMatchObject({ serialNumber: expect.any(String) });
  });

  it('refuses a CSR whose signature does not verify (no proof of possession)', async () => {
    const ca = await openEmbeddedCa({ dir });
    const csr = new x509.Pkcs10CertificateRequest((await makeCsr()).pem);
    const der = new Uint8Array(csr.rawData);
    der[der.length - 4] = (der[der.length - 4] ?? 0) ^ 0x01;
    const pem = x509.PemConverter.encode(der.buffer, 'CERTIFICATE REQUEST');
    await expectRejected(ca.issue({ csrPem: pem, spiffeId: SPIFFE_ID, ttlSeconds: 60 }), 'no proof of possession');
  });

  it.each([
    ['not PEM', 'hello', 'must be one PEM block'],
    ['a certificate', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', 'must be one PEM block'],
    ['bad DER', '-----BEGIN CERTIFICATE REQUEST-----\nMAMCAQA=\n-----END CERTIFICATE REQUEST-----\n', 'is not a DER-encoded PKCS#10'],
    ['too large', `-----BEGIN CERTIFICATE REQUEST-----\n${'A'.repeat(9000)}\n-----END CERTIFICATE REQUEST-----\n`, 'at most 8192'],
    ['empty', '', 'is required'],
  ])('refuses a malformed CSR (%s)', async (_, csrPem, message) => {
    const ca = await openEmbeddedCa({ dir });
    await expectRejected(ca.issue({ csrPem, spiffeId: SPIFFE_ID, ttlSeconds: 60 }), message);
  });

  it('refuses two PEM blocks in one CSR field', async () => {
    const ca = await openEmbeddedCa({ dir });
    const pem = (await makeCsr()).pem + '\n' + (await makeCsr()).pem;
    await expectRejected(ca.issue({ csrPem: pem, spiffeId: SPIFFE_ID, ttlSeconds: 60 }), 'must be one PEM block');
  });

  it('refuses a bad SPIFFE ID or ttl with field paths', async () => {
    const ca = await openEmbeddedCa({ dir });
    const err = await ca.issue({ csrPem: (await makeCsr()).pem, spiffeId: 'spiffe://td/ns/a/sa/b/c', ttlSeconds: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).errors.map((e) => e.path)).toEqual(['spiffeId', 'ttlSeconds']);
  });
});

function firstRoot(bundle: string): x509.X509Certificate {
  const [root] = bundleOf(bundle);
  if (!root) throw new Error('empty bundle');
  return root;
}
