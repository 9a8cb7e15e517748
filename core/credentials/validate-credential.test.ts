import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { makeTestCa, makeTestLeaf } from '../../test/support/tls-certificates.ts';
import { CREDENTIAL_LIMITS, validateCredential } from './validate-credential.ts';

const now = () => new Date();

describe('validateCredential', () => {
  it('accepts a matching chain and key, with SANs, fingerprint and CA count as metadata', async () => {
    const ca = await makeTestCa('ca');
    const leaf = await makeTestLeaf(ca, { dns: ['a.example.com', 'b.example.com'], commonName: 'a.example.com' });
    const result = validateCredential('ingress', 'a', { certificateChain: leaf.certificatePem + ca.certificatePem, privateKey: leaf.privateKeyPem, caCertificates: ca.certificatePem }, now());
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.metadata).toMatchObject({ namespace: 'ingress', name: 'a', subject: 'CN=a.example.com', issuer: 'CN=ca', subjectAltNames: ['DNS:a.example.com', 'DNS:b.example.com'], chainLength: 2, caCertificates: 1 });
    expect(result.value.metadata.sha256Fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(result.value.metadata)).not.toContain('PRIVATE KEY');
  });

  it.each([
    ['a key of another certificate', 'privateKey', 'does not match'],
    ['an expired certificate', 'certificateChain', 'expired'],
    ['a certificate not valid yet', 'certificateChain', 'not valid before'],
    ['no certificate at all', 'certificateChain', 'at least one'],
    ['a key that is not PEM', 'privateKey', 'not an unencrypted PEM private key'],
    ['a weak RSA key', 'privateKey', 'RSA keys must have'],
    ['an oversized chain', 'certificateChain', `at most ${CREDENTIAL_LIMITS.maxPemBytes} bytes`],
  ])('refuses %s, naming %s', async (what, path, message) => {
    const ca = await makeTestCa('ca');
    const leaf = await makeTestLeaf(ca, { commonName: 'x' });
    const other = await makeTestLeaf(ca, { commonName: 'y' });
    const input = { certificateChain: leaf.certificatePem, privateKey: leaf.privateKeyPem };
    if (what === 'a key of another certificate') input.privateKey = other.privateKeyPem;
    if (what === 'an expired certificate') input.certificateChain = (await makeTestLeaf(ca, { commonName: 'x', notAfter: new Date(Date.now() - 1000) })).certificatePem;
    if (what === 'a certificate not valid yet') {
      const result = validateCredential('ingress', 'a', input, new Date(Date.now() - 3_600_000));
      expect(result).toMatchObject({ ok: false, errors: [expect.objectContaining({ path, message: expect.stringContaining(message) })] });
      return;
    }
    if (what === 'no certificate at all') input.certificateChain = leaf.privateKeyPem;
    if (what === 'a key that is not PEM') input.privateKey = 'not a key';
    if (what === 'a weak RSA key') input.privateKey = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    if (what === 'an oversized chain') input.certificateChain = leaf.certificatePem.repeat(200);
    const result = validateCredential('ingress', 'a', input, now());
    expect(result).toMatchObject({ ok: false, errors: expect.arrayContaining([expect.objectContaining({ path, message: expect.stringContaining(message) })]) });
  });
});
