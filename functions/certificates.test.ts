import { KeyObject, X509Certificate } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeCsr } from '../core/ca/testing/make-csr.ts';
import type { MadeCsr } from '../core/ca/testing/make-csr.ts';
import { signCertificateRequest } from '../core/identity/certificate-auth.ts';
import { createJoinToken } from '../core/identity/join-token.ts';
import { apiHarness, type ApiHarness } from './testing/api-harness.ts';

interface Issued {
  certificateChain: string;
  trustBundle: string;
  spiffeId: string;
  expiresAt: string;
  serialNumber: string;
}

let h: ApiHarness;
let now = new Date('2026-03-01T12:00:00Z');
const advance = (seconds: number) => (now = new Date(now.getTime() + seconds * 1000));

beforeEach(async () => {
  now = new Date('2026-03-01T12:00:00Z');
  h = await apiHarness({ now: () => now });
  expect((await h.call('PUT', '/v1/meshes/prod', { body: {} })).status).toBe(201);
});
afterEach(() => h.close());

async function joinToken(mesh = 'prod', key?: string, body: Record<string, unknown> = { namespace: 'shop', serviceAccount: 'cart', ttlSeconds: 600 }): Promise<string> {
  const res = await h.call('POST', `/v1/meshes/${mesh}/join-tokens`, { body, ...(key ? { key } : {}) });
  expect(res.status).toBe(201);
  return ((await res.json()) as { token: string }).token;
}

function requestCertificate(token: string, csr: string, mesh = 'prod', extra: Record<string, unknown> = {}): Promise<Response> {
  return h.call('POST', `/v1/meshes/${mesh}/certificates`, { key: null, headers: { authorization: `Bearer ${token}` }, body: { csr, ...extra } });
}

/** A renewal request authenticated with the current certificate, the way the agent sends it. */
async function renew(current: { chain: string; keys: MadeCsr['keys'] }, csr: string, mesh = 'prod', tamper?: (body: string) => string): Promise<Response> {
  const path = `/v1/meshes/${mesh}/certificates`;
  const body = JSON.stringify({ csr });
  const chainDer = [Buffer.from(new X509Certificate(current.chain).raw)];
  const authorization = signCertificateRequest({ method: 'POST', path, timestamp: Math.floor(now.getTime() / 1000), body, chainDer, privateKey: KeyObject.from(current.keys.privateKey) });
  return h.app.request(path, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body: tamper ? tamper(body) : body });
}

async function problem(res: Response, status: number): Promise<string> {
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  const body = (await res.json()) as { detail: string };
  expect(res.status, body.detail).toBe(status);
  return body.detail;
}

async function firstCertificate(mesh = 'prod'): Promise<{ issued: Issued; csr: MadeCsr }> {
  const csr = await makeCsr();
  const res = await requestCertificate(await joinToken(mesh), csr.pem, mesh);
  expect(res.status).toBe(201);
  return { issued: (await res.json()) as Issued, csr };
}

describe('POST /v1/meshes/{mesh}/join-tokens', () => {
  it('needs an API key and a valid scope', async () => {
    expect((await h.call('POST', '/v1/meshes/prod/join-tokens', { key: null, body: { namespace: 'shop', serviceAccount: 'cart' } })).status).toBe(401);
    const bad = await h.call('POST', '/v1/meshes/prod/join-tokens', { body: { namespace: 'Shop', serviceAccount: 'cart', ttlSeconds: 999_999 } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: { path: string }[] }).errors.map((e) => e.path)).toContain('ttlSeconds');
    expect((await h.call('POST', '/v1/meshes/nope/join-tokens', { body: { namespace: 'shop', serviceAccount: 'cart' } })).status).toBe(404);
    const ok = await h.call('POST', '/v1/meshes/prod/join-tokens', { body: { namespace: 'shop', serviceAccount: 'cart', ttlSeconds: 600 } });
    expect(await ok.json()).toMatchObject({ token: expect.stringMatching(/^tjt1\./), expiresAt: '2026-03-01T12:10:00.000Z', spiffeId: 'spiffe://prod.default.trellis.local/ns/shop/sa/cart' });
  });
});

describe('POST /v1/meshes/{mesh}/certificates', () => {
  it('issues the identity of the join token, bounded by the mesh TTL, and audits it', async () => {
    // Prepare
    expect((await h.call('PUT', '/v1/meshes/prod', { body: { certificates: { maxTtlSeconds: 3600 } } })).status).toBe(200);
    const csr = await makeCsr({ uris: ['spiffe://prod.default.trellis.local/ns/shop/sa/cart'] });
    // Act
    const res = await requestCertificate(await joinToken(), csr.pem, 'prod', { ttlSeconds: 86_400 });
    // Assess
    expect(res.status).toBe(201);
    const issued = (await res.json()) as Issued;
    expect(issued.spiffeId).toBe('spiffe://prod.default.trellis.local/ns/shop/sa/cart');
    const leaf = new X509Certificate(issued.certificateChain);
    expect(leaf.subjectAltName).toBe(`URI:${issued.spiffeId}`);
    expect(new Date(issued.expiresAt).getTime()).toBe(now.getTime() + 3600_000);
    expect(leaf.verify(new X509Certificate(issued.trustBundle).publicKey)).toBe(true);
    const audit = (await (await h.call('GET', '/v1/meshes/prod/certificates/audit')).json()) as { issued: number; items: { outcome: string; serialNumber: string }[] };
    expect(audit.issued).toBe(1);
    expect(audit.items[0]).toMatchObject({ outcome: 'issued', serialNumber: issued.serialNumber, credential: 'join-token' });
  });

  it('accepts a token once', async () => {
    const token = await joinToken();
    expect((await requestCertificate(token, (await makeCsr()).pem)).status).toBe(201);
    expect(await problem(await requestCertificate(token, (await makeCsr()).pem), 401)).toContain('already been used');
    const audit = (await (await h.call('GET', '/v1/meshes/prod/certificates/audit')).json()) as { refused: number; items: { outcome: string; reason: string; serialNumber?: string }[] };
    expect(audit.refused).toBe(1);
    expect(audit.items[0]).toMatchObject({ outcome: 'refused', reason: expect.stringContaining('already been used') });
    expect(audit.items[0]!.serialNumber).toBeUndefined();
  });

  it('refuses an expired token, a forged one and one of another mesh', async () => {
    const token = await joinToken();
    advance(601);
    expect(await problem(await requestCertificate(token, (await makeCsr()).pem), 401)).toContain('expired');
    const forged = createJoinToken(Buffer.alloc(32, 1), { tenant: 'default', mesh: 'prod', namespace: 'shop', serviceAccount: 'cart' }, 600, now);
    expect(await problem(await requestCertificate(forged.ok ? forged.value.token : '', (await makeCsr()).pem), 401)).toContain('bad signature');
    expect((await h.call('PUT', '/v1/meshes/dev', { body: {} })).status).toBe(201);
    expect(await problem(await requestCertificate(await joinToken('dev'), (await makeCsr()).pem, 'prod'), 403)).toContain('for mesh "dev"');
    expect(await problem(await requestCertificate('not-a-token', (await makeCsr()).pem), 401)).toContain('malformed');
    expect(await problem(await h.call('POST', '/v1/meshes/prod/certificates', { key: null, body: { csr: 'x' } }), 401)).toContain('Missing Authorization');
  });

  it("issues another tenant's token only into that tenant's mesh", async () => {
    const keyB = await h.tenant('beta');
    expect((await h.call('PUT', '/v1/meshes/prod', { key: keyB, body: {} })).status).toBe(201);
    const res = await requestCertificate(await joinToken('prod', keyB), (await makeCsr()).pem);
    expect(((await res.json()) as Issued).spiffeId).toBe('spiffe://prod.beta.trellis.local/ns/shop/sa/cart');
    // A token asking for the other tenant's identity in its CSR gets nothing.
    const csr = await makeCsr({ uris: ['spiffe://prod.default.trellis.local/ns/shop/sa/cart'] });
    expect(await problem(await requestCertificate(await joinToken('prod', keyB), csr.pem), 403)).toContain('Identity mismatch');
  });

  it('refuses a CSR asking for another identity without spending the token', async () => {
    const token = await joinToken();
    const other = await makeCsr({ uris: ['spiffe://prod.default.trellis.local/ns/kube-system/sa/admin'] });
    expect(await problem(await requestCertificate(token, other.pem), 403)).toContain('ns/kube-system/sa/admin');
    const dns = await makeCsr({ dns: ['cart.shop.svc'] });
    expect(await problem(await requestCertificate(token, dns.pem), 403)).toContain('dns name cart.shop.svc');
    expect((await requestCertificate(token, (await makeCsr()).pem)).status).toBe(201);
  });

  it.each([
    ['a weak key', async () => (await makeCsr({ algorithm: 'RSA-1024' })).pem, 'too weak'],
    ['a malformed CSR', async () => '-----BEGIN CERTIFICATE REQUEST-----\nMAMCAQA=\n-----END CERTIFICATE REQUEST-----\n', 'PKCS#10'],
    ['not PEM', async () => 'hello', 'PEM block'],
  ])('answers 400 for %s', async (_, csr, message) => {
    expect(await problem(await requestCertificate(await joinToken(), await csr()), 400)).toContain(message);
  });

  it('refuses a reserved trust domain and one another mesh owns', async () => {
    expect((await h.call('PUT', '/v1/meshes/prod', { body: { trustDomain: 'prod.beta.trellis.local' } })).status).toBe(200);
    expect(await problem(await h.call('POST', '/v1/meshes/prod/join-tokens', { body: { namespace: 'shop', serviceAccount: 'cart' } }), 403)).toContain('reserved');
    expect((await h.call('PUT', '/v1/meshes/prod', { body: { trustDomain: 'shared.example' } })).status).toBe(200);
    expect((await requestCertificate(await joinToken(), (await makeCsr()).pem)).status).toBe(201);
    const keyB = await h.tenant('beta');
    expect((await h.call('PUT', '/v1/meshes/prod', { key: keyB, body: { trustDomain: 'shared.example' } })).status).toBe(201);
    expect(await problem(await requestCertificate(await joinToken('prod', keyB), (await makeCsr()).pem), 403)).toContain('belongs to another mesh');
  });

  describe('renewal with the current certificate', () => {
    it('issues the same identity for a new key', async () => {
      const { issued, csr } = await firstCertificate();
      advance(600);
      const next = await makeCsr();
      const res = await renew({ chain: issued.certificateChain, keys: csr.keys }, next.pem);
      expect(res.status).toBe(201);
      const renewed = (await res.json()) as Issued;
      expect(renewed.spiffeId).toBe(issued.spiffeId);
      expect(renewed.serialNumber).not.toBe(issued.serialNumber);
      const audit = (await (await h.call('GET', '/v1/meshes/prod/certificates/audit')).json()) as { items: { credential: string }[] };
      expect(audit.items[0]!.credential).toBe('certificate');
    });

    it('refuses a signature over another body, another key, an expired certificate and another mesh', async () => {
      const { issued, csr } = await firstCertificate();
      const next = await makeCsr();
      const other = await makeCsr();
      expect(await problem(await renew({ chain: issued.certificateChain, keys: csr.keys }, next.pem, 'prod', () => JSON.stringify({ csr: other.pem })), 401)).toContain('signature does not verify');
      expect(await problem(await renew({ chain: issued.certificateChain, keys: other.keys }, next.pem), 401)).toContain('signature does not verify');
      expect((await h.call('PUT', '/v1/meshes/dev', { body: {} })).status).toBe(201);
      expect(await problem(await renew({ chain: issued.certificateChain, keys: csr.keys }, next.pem, 'dev'), 403)).toContain('belongs to mesh "prod"');
      advance(86_400 + 1);
      expect(await problem(await renew({ chain: issued.certificateChain, keys: csr.keys }, next.pem), 401)).toContain('expired');
    });

    it('refuses a certificate of another CA and a garbled header', async () => {
      const { csr } = await firstCertificate();
      const { openEmbeddedCa } = await import('../core/adapters/embedded/ca/index.ts');
      const foreignCa = await openEmbeddedCa({ dir: `${h.dir}/foreign-ca`, now: () => now });
      const foreign = await foreignCa.issue({ csrPem: csr.pem, spiffeId: 'spiffe://prod.default.trellis.local/ns/shop/sa/cart', ttlSeconds: 3600 });
      expect(await problem(await renew({ chain: foreign.certificateChainPem, keys: csr.keys }, (await makeCsr()).pem), 401)).toContain('not issued by this CA');
      const garbled = await h.app.request('/v1/meshes/prod/certificates', { method: 'POST', headers: { authorization: 'TrellisCert chain=!!', 'content-type': 'application/json' }, body: '{"csr":"x"}' });
      expect(await problem(garbled, 401)).toContain('TrellisCert');
    });

    it('keeps working across a root rotation (both roots trusted)', async () => {
      const { issued, csr } = await firstCertificate();
      await h.ca.rotateRoot();
      const res = await renew({ chain: issued.certificateChain, keys: csr.keys }, (await makeCsr()).pem);
      expect(res.status).toBe(201);
      const renewed = (await res.json()) as Issued;
      expect(renewed.trustBundle.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    });
  });

  it('serves the trust bundle without a credential, with both roots during a rotation', async () => {
    const one = await h.call('GET', '/v1/meshes/prod/trust-bundle', { key: null });
    expect(one.status).toBe(200);
    expect((await one.text()).match(/BEGIN CERTIFICATE/g)).toHaveLength(1);
    await h.ca.rotateRoot();
    expect((await (await h.call('GET', '/v1/meshes/prod/trust-bundle', { key: null })).text()).match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
  });

  it('documents both credentials in the OpenAPI description', async () => {
    const doc = (await (await h.call('GET', '/openapi.json', { key: null })).json()) as { paths: Record<string, { post?: { description?: string; security?: unknown } }> };
    const post = doc.paths['/v1/meshes/{mesh}/certificates']?.post;
    expect(post?.description).toContain('TrellisCert chain=');
    expect(post?.security).toEqual([{ joinToken: [] }, { trellisCert: [] }, { eksToken: [] }, { awsSts: [] }]);
    expect(post?.description).toContain('AwsSts <base64url');
    expect(doc.paths['/v1/meshes/{mesh}/join-tokens']).toBeDefined();
  });
});
