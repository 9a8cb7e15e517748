import { createPrivateKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkCsr } from './csr.ts';
import { createCsrPem, generateWorkloadKey, importWorkloadKey } from './workload-key.ts';
import { x509 } from './x509.ts';

describe('workload key and CSR', () => {
  it('makes a P-256 CSR that the CA parser accepts, self-signed and asking for the SPIFFE ID', async () => {
    const key = await generateWorkloadKey();
    const pem = await createCsrPem(key, 'spiffe://trellis.local/ns/shop/sa/cart');

    const checked = await checkCsr(pem);

    expect(checked.keyDescription).toBe('EC P-256');
    expect(checked.requestedNames).toEqual([{ type: 'url', value: 'spiffe://trellis.local/ns/shop/sa/cart' }]);
    expect(checked.request.subject).toBe('');
    expect(Buffer.from(checked.publicKey.rawData).equals(key.publicKey.export({ type: 'spki', format: 'der' }))).toBe(true);
  });

  it('makes a CSR without SAN when no SPIFFE ID is stated', async () => {
    const checked = await checkCsr(await createCsrPem(await generateWorkloadKey()));

    expect(checked.requestedNames).toEqual([]);
    expect(checked.request.extensions).toHaveLength(0);
  });

  it('encodes long SAN URIs with multi-byte DER lengths', async () => {
    const uri = `spiffe://trellis.local/ns/shop/sa/${'a'.repeat(300)}`;
    const checked = await checkCsr(await createCsrPem(await generateWorkloadKey(), uri));

    expect(checked.requestedNames).toEqual([{ type: 'url', value: uri }]);
  });

  it('refuses SAN URIs that are empty, oversized or not printable ASCII', async () => {
    const key = await generateWorkloadKey();

    await expect(createCsrPem(key, '')).rejects.toThrow(/SAN URI/);
    await expect(createCsrPem(key, `spiffe://x/${'a'.repeat(3000)}`)).rejects.toThrow(/SAN URI/);
    await expect(createCsrPem(key, 'spiffe://trellis.local/ns/é')).rejects.toThrow(/SAN URI/);
    await expect(createCsrPem(key, 'spiffe://a b')).rejects.toThrow(/SAN URI/);
  });

  it('gives a PKCS#8 PEM and a signing key of the same pair', async () => {
    const key = await generateWorkloadKey();
    const data = Buffer.from('renewal');

    const signature = sign('sha256', data, createPrivateKey(key.privateKeyPem));

    expect(key.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(verify('sha256', data, key.publicKey, signature)).toBe(true);
  });

  it('imports its own PEM back, and the CSR made with it verifies', async () => {
    const key = await generateWorkloadKey();

    const again = await importWorkloadKey(key.privateKeyPem);
    const checked = await checkCsr(await createCsrPem(again));

    expect(again.privateKeyPem).toBe(key.privateKeyPem);
    expect(await checked.request.verify()).toBe(true);
    expect(Buffer.from(checked.publicKey.rawData).equals(key.publicKey.export({ type: 'spki', format: 'der' }))).toBe(true);
  });

  it('refuses key files that hold no PEM, garbage, or another kind of key', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;

    await expect(importWorkloadKey('')).rejects.toThrow(/no PKCS#8 PEM block/);
    await expect(importWorkloadKey('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n')).rejects.toThrow(/no readable PKCS#8 key/);
    await expect(importWorkloadKey(rsa)).rejects.toThrow(/rsa key, not an EC P-256 key/);
    await expect(importWorkloadKey(p384)).rejects.toThrow(/ec key on secp384r1, not an EC P-256 key/);
  });

  it('writes the CSR as the X.509 library reads it: version 0 and ecdsa-with-SHA256', async () => {
    const pem = await createCsrPem(await generateWorkloadKey(), 'spiffe://trellis.local/ns/a/sa/b');

    const request = new x509.Pkcs10CertificateRequest(pem);

    expect(request.signatureAlgorithm).toMatchObject({ name: 'ECDSA', hash: { name: 'SHA-256' } });
    expect(pem).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----\n([A-Za-z0-9+/=]{1,64}\n)+-----END CERTIFICATE REQUEST-----\n$/);
  });
});
