import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeCsr } from '../core/ca/testing/make-csr.ts';
import { createJwtIssuer, type JwtIssuer } from '../test/support/jwt.ts';
import { apiHarness, type ApiHarness } from './testing/api-harness.ts';

const ISSUER = 'https://oidc.eks.eu-west-1.amazonaws.com/id/CLUSTER1';
const sub = (ns: string, sa: string) => ({ sub: `system:serviceaccount:${ns}:${sa}`, aud: ['trellis'], 'kubernetes.io': { namespace: ns, serviceaccount: { name: sa } } });

let h: ApiHarness;
let cluster: JwtIssuer;

beforeEach(async () => {
  h = await apiHarness({ attestation: { allowLoopbackJwksUri: true } });
  cluster = createJwtIssuer(ISSUER, 'k1');
  expect((await h.call('PUT', '/v1/meshes/prod', { body: {} })).status).toBe(201);
});
afterEach(() => h.close());

const registerCluster = (body: Record<string, unknown>, name = 'eu-1') => h.call('PUT', `/v1/meshes/prod/attestation/eks-clusters/${name}`, { body });

async function present(token: string, options: { csr?: string; tenant?: string; mesh?: string } = {}): Promise<Response> {
  const csr = options.csr ?? (await makeCsr()).pem;
  return h.call('POST', `/v1/meshes/${options.mesh ?? 'prod'}/certificates`, { key: null, headers: { authorization: `EksToken ${token}`, ...(options.tenant ? { 'trellis-tenant': options.tenant } : {}) }, body: { csr } });
}

async function detail(res: Response, status: number): Promise<string> {
  const body = (await res.json()) as { detail: string };
  expect(res.status, body.detail).toBe(status);
  return body.detail;
}

async function lastAudit(): Promise<Record<string, unknown>> {
  const res = await h.call('GET', '/v1/meshes/prod/certificates/audit?limit=1');
  return ((await res.json()) as { items: Record<string, unknown>[] }).items[0]!;
}

describe('EKS cluster registration', () => {
  it('registers, lists, reads, replaces and removes a cluster; PUT on the mesh keeps it and does not show it', async () => {
    // Act
    const created = await registerCluster({ issuer: ISSUER, jwks: JSON.parse(cluster.jwks), namespaces: ['shop'] });
    const replaced = await registerCluster({ issuer: ISSUER, jwks: JSON.parse(cluster.jwks) });
    const settings = await h.call('PUT', '/v1/meshes/prod', { body: { outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } } });
    const listed = (await (await h.call('GET', '/v1/meshes/prod/attestation/eks-clusters')).json()) as { items: { name: string; audience: string; namespaces?: string[] }[] };
    // Assess
    expect(created.status).toBe(201);
    expect(replaced.status).toBe(200);
    expect(((await settings.json()) as { settings: unknown }).settings).toEqual({ outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } });
    expect(listed.items).toEqual([expect.objectContaining({ name: 'eu-1', issuer: ISSUER, audience: 'trellis' })]);
    expect(listed.items[0]!.namespaces).toBeUndefined();
    expect((await h.call('GET', '/v1/meshes/prod/attestation/eks-clusters/eu-1')).status).toBe(200);
    expect((await h.call('DELETE', '/v1/meshes/prod/attestation/eks-clusters/eu-1')).status).toBe(204);
    expect((await h.call('GET', '/v1/meshes/prod/attestation/eks-clusters/eu-1')).status).toBe(404);
    expect((await h.call('DELETE', '/v1/meshes/prod/attestation/eks-clusters/eu-1')).status).toBe(404);
  });

  it('refuses bad registrations with field paths: http issuer, both or neither key source, a private key, a second cluster with the same issuer', async () => {
    const jwks = JSON.parse(cluster.jwks) as { keys: Record<string, unknown>[] };
    expect((await registerCluster({ issuer: 'http://oidc.example', jwks })).status).toBe(400);
    expect((await registerCluster({ issuer: ISSUER, jwks, jwksUri: `${ISSUER}/keys` })).status).toBe(400);
    expect((await registerCluster({ issuer: ISSUER })).status).toBe(400);
    const privateJwk = { keys: [{ ...jwks.keys[0], d: 'AAAA' }] };
    const refused = (await (await registerCluster({ issuer: ISSUER, jwks: privateJwk })).json()) as { errors: { path: string; message: string }[] };
    expect(refused.errors).toEqual([{ path: 'jwks.keys[0]', message: expect.stringMatching(/private key/) }]);
    expect((await registerCluster({ issuer: ISSUER, jwks })).status).toBe(201);
    expect((await registerCluster({ issuer: ISSUER, jwks }, 'eu-2')).status).toBe(409);
    expect((await h.call('PUT', '/v1/meshes/prod', { body: { attestation: {} } })).status).toBe(400);
  });

  it("is not visible to another tenant, and another tenant's key cannot register in this mesh", async () => {
    const other = await h.tenant('other');
    expect((await h.call('GET', '/v1/meshes/prod/attestation/eks-clusters', { key: other })).status).toBe(404);
    expect((await h.call('PUT', '/v1/meshes/prod/attestation/eks-clusters/x', { key: other, body: { issuer: ISSUER, jwks: JSON.parse(cluster.jwks) } })).status).toBe(404);
  });
});

describe('EKS attestation', () => {
  beforeEach(async () => {
    expect((await registerCluster({ issuer: ISSUER, jwks: JSON.parse(cluster.jwks), namespaces: ['shop', 'pay'] })).status).toBe(201);
  });

  it('issues the identity the token attests, and audits it', async () => {
    const res = await present(cluster.token(sub('shop', 'checkout')), { tenant: 'default' });
    const issued = (await res.json()) as { spiffeId: string };
    expect(res.status).toBe(201);
    expect(issued.spiffeId).toBe('spiffe://prod.default.trellis.local/ns/shop/sa/checkout');
    expect(await lastAudit()).toMatchObject({ credential: 'eks', outcome: 'issued', spiffeId: issued.spiffeId, subject: 'eu-1: system:serviceaccount:shop:checkout' });
  });

  it('refuses a CSR that asks for another identity than the token attests', async () => {
    const csr = await makeCsr({ uris: ['spiffe://prod.default.trellis.local/ns/pay/sa/admin'] });
    expect(await detail(await present(cluster.token(sub('shop', 'checkout')), { csr: csr.pem }), 403)).toMatch(/Identity mismatch.*ns\/pay\/sa\/admin.*ns\/shop\/sa\/checkout/);
  });

  it.each([
    ['an unknown issuer', () => createJwtIssuer('https://oidc.eks.us-east-1.amazonaws.com/id/OTHER', 'k1').token(sub('shop', 'a')), 401, /No EKS cluster with issuer .*OTHER is registered/],
    ['a bad signature', () => createJwtIssuer(ISSUER, 'k1').token(sub('shop', 'a')), 401, /signature that no key/],
    ['an expired token', () => cluster.token({ ...sub('shop', 'a'), iat: 1_700_000_000, exp: 1_700_000_600 }), 401, /has expired/],
    ['the wrong audience', () => cluster.token({ ...sub('shop', 'a'), aud: 'sts.amazonaws.com' }), 401, /not for audience "trellis"/],
    ['a namespace outside the allow-list', () => cluster.token(sub('kube-system', 'admin')), 403, /Namespace "kube-system" .* may not join/],
  ])('refuses %s with a clear message and an audit entry', async (_name, token, status, message) => {
    expect(await detail(await present(token()), status)).toMatch(message);
    expect(await lastAudit()).toMatchObject({ credential: 'eks', outcome: 'refused', reason: expect.stringMatching(message) });
  });

  it("checks the token against the named tenant's registrations only", async () => {
    await h.tenant('other');
    expect(await detail(await present(cluster.token(sub('shop', 'a')), { tenant: 'other' }), 401)).toMatch(/tenant "other"/);
    expect(await detail(await present(cluster.token(sub('shop', 'a')), { tenant: 'Not A Label' }), 401)).toMatch(/Trellis-Tenant/);
  });

  it('takes identity from the token even when the pod metadata or mesh claim otherwise', async () => {
    const res = await present(cluster.token({ ...sub('pay', 'ledger'), namespace: 'shop', serviceAccount: 'checkout' }));
    expect(((await res.json()) as { spiffeId: string }).spiffeId).toBe('spiffe://prod.default.trellis.local/ns/pay/sa/ledger');
  });
});

describe('EKS attestation with a remote JWKS', () => {
  let server: Server;
  let served = 0;
  beforeEach(async () => {
    server = createServer((_req, res) => {
      served++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(cluster.jwks);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('fetches the keys once and caches them', async () => {
    const uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/keys`;
    expect((await registerCluster({ issuer: ISSUER, jwksUri: uri })).status).toBe(201);
    expect((await present(cluster.token(sub('shop', 'a')))).status).toBe(201);
    expect((await present(cluster.token(sub('shop', 'b')))).status).toBe(201);
    expect(served).toBe(1);
  });

  it('refuses a token when the keys cannot be fetched, saying so', async () => {
    expect((await registerCluster({ issuer: ISSUER, jwksUri: 'http://127.0.0.1:1/keys' })).status).toBe(201);
    expect(await detail(await present(cluster.token(sub('shop', 'a'))), 401)).toMatch(/signing keys of .* could not be fetched/);
  });
});
