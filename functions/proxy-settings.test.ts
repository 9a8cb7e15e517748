import { KeyObject, X509Certificate } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeCsr, type MadeCsr } from '../core/ca/testing/make-csr.ts';
import { signCertificateRequest } from '../core/identity/certificate-auth.ts';
import { apiHarness, type ApiHarness } from './testing/api-harness.ts';

let h: ApiHarness;
const now = new Date('2026-03-01T12:00:00Z');

const CONFIGS = `apiVersion: networking.istio.io/v1beta1
kind: ProxyConfig
metadata: { name: mesh-defaults, namespace: istio-system }
spec: { concurrency: 2, environmentVariables: { LOG_FORMAT: json, REGION: mesh } }
---
apiVersion: networking.istio.io/v1beta1
kind: ProxyConfig
metadata: { name: shop-defaults, namespace: shop }
spec: { environmentVariables: { REGION: eu-west-1 } }
---
apiVersion: networking.istio.io/v1beta1
kind: ProxyConfig
metadata: { name: cart-threads, namespace: shop }
spec: { selector: { matchLabels: { app: cart } }, concurrency: 4 }
---
apiVersion: networking.istio.io/v1beta1
kind: ProxyConfig
metadata: { name: other-namespace, namespace: billing }
spec: { concurrency: 8 }
`;

beforeEach(async () => {
  h = await apiHarness({ now: () => now });
  expect((await h.call('PUT', '/v1/meshes/prod', { body: {} })).status).toBe(201);
  expect((await h.call('PUT', '/v1/meshes/dev', { body: {} })).status).toBe(201);
  const applied = await h.call('POST', '/v1/meshes/prod/apply', { yaml: CONFIGS });
  expect(applied.status, await applied.clone().text()).toBe(200);
});
afterEach(() => h.close());

/** A workload certificate for shop/cart of `mesh`, bought with a join token as the agent does. */
async function certificate(mesh = 'prod'): Promise<{ chain: string; keys: MadeCsr['keys'] }> {
  const token = await h.call('POST', `/v1/meshes/${mesh}/join-tokens`, { body: { namespace: 'shop', serviceAccount: 'cart', ttlSeconds: 600 } });
  const csr = await makeCsr();
  const res = await h.call('POST', `/v1/meshes/${mesh}/certificates`, { key: null, headers: { authorization: `Bearer ${((await token.json()) as { token: string }).token}` }, body: { csr: csr.pem } });
  expect(res.status).toBe(201);
  return { chain: ((await res.json()) as { certificateChain: string }).certificateChain, keys: csr.keys };
}

async function ask(cert: { chain: string; keys: MadeCsr['keys'] } | undefined, body: string, o: { mesh?: string; contentType?: string } = {}): Promise<Response> {
  const path = `/v1/meshes/${o.mesh ?? 'prod'}/proxy-settings`;
  const headers: Record<string, string> = { 'content-type': o.contentType ?? 'application/json' };
  if (cert) {
    const chainDer = [Buffer.from(new X509Certificate(cert.chain).raw)];
    headers['authorization'] = signCertificateRequest({ method: 'POST', path, timestamp: Math.floor(now.getTime() / 1000), body, chainDer, privateKey: KeyObject.from(cert.keys.privateKey) });
  }
  return h.app.request(path, { method: 'POST', headers, body });
}

describe('POST /v1/meshes/{mesh}/proxy-settings', () => {
  it("answers the caller's effective settings: its namespace from the certificate, its labels from the request", async () => {
    const cert = await certificate();
    const cart = await ask(cert, JSON.stringify({ labels: { app: 'cart', version: 'v1' } }));
    expect(cart.status).toBe(200);
    expect(await cart.json()).toEqual({ concurrency: 4, environmentVariables: { LOG_FORMAT: 'json', REGION: 'eu-west-1' }, sources: ['shop/cart-threads', 'shop/shop-defaults', 'istio-system/mesh-defaults'] });
    const other = await ask(cert, JSON.stringify({ labels: { app: 'web' } }));
    expect(await other.json()).toEqual({ concurrency: 2, environmentVariables: { LOG_FORMAT: 'json', REGION: 'eu-west-1' }, sources: ['shop/shop-defaults', 'istio-system/mesh-defaults'] });
    expect(await (await ask(cert, '{}')).json()).toMatchObject({ concurrency: 2 });
  });

  it('answers empty settings in a mesh without ProxyConfig', async () => {
    const res = await ask(await certificate('dev'), '{}', { mesh: 'dev' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ sources: [] });
  });

  it('refuses a caller without a workload certificate, or with one of another mesh', async () => {
    expect((await ask(undefined, '{}')).status).toBe(401);
    const badSignature = await h.app.request('/v1/meshes/prod/proxy-settings', { method: 'POST', headers: { authorization: 'TrellisCert nonsense', 'content-type': 'application/json' }, body: '{}' });
    expect([401, 403]).toContain(badSignature.status);
    const res = await ask(await certificate('dev'), '{}');
    expect(res.status).toBe(403);
  });

  it.each([
    ['not JSON', '{labels', 400],
    ['an unknown field', '{"labels":{},"namespace":"billing"}', 400],
    ['labels that are not strings', '{"labels":{"app":7}}', 400],
    ['an invalid label key', '{"labels":{"bad key!":"x"}}', 400],
    ['too many labels', JSON.stringify({ labels: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v'])) }), 400],
    ['an oversized body', JSON.stringify({ labels: { app: 'x'.repeat(20_000) } }), 413],
    ['a prototype key', '{"labels":{"__proto__":"x"}}', 200],
  ])('answers %s with %i and nothing else', async (_name, body, status) => {
    const res = await ask(await certificate(), body);
    expect(res.status).toBe(status);
    if (status !== 200) expect(res.headers.get('content-type')).toContain('application/problem+json');
  });

  it('refuses a body that is not application/json', async () => {
    expect((await ask(await certificate(), '{}', { contentType: 'text/plain' })).status).toBe(415);
  });
});
