import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGrpcAuthorizer, startHttpAuthorizer, type ExtAuthorizer } from '../support/ext-authorizer.ts';
import { startTestTrellis, type TestTrellis } from '../support/local-trellis.ts';
import { freePort, waitFor } from '../support/ports.ts';
import { startSidecar, type TestSidecar } from '../support/sidecar.ts';
import { get, startUpstream, type Upstream } from '../support/upstream.ts';

const MESH = 'extauthz';
const AUTHZ_HOST = 'authz.trellis.test';

/** Each workload sends /api/* to its provider; /api/secret is also refused by a DENY policy, which Istio evaluates after CUSTOM. */
const manifests = (httpPort: number) => `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: authz, namespace: security }
spec:
  hosts: [${AUTHZ_HOST}]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{ number: ${httpPort}, name: http, protocol: HTTP }]
  endpoints: [{ address: 127.0.0.1 }]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: http-checked, namespace: shop }
spec:
  selector: { matchLabels: { app: web-http } }
  action: CUSTOM
  provider: { name: http-authz }
  rules: [{ to: [{ operation: { paths: [/api/*] } }] }]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: grpc-checked, namespace: shop }
spec:
  selector: { matchLabels: { app: web-grpc } }
  action: CUSTOM
  provider: { name: grpc-authz }
  rules: [{ to: [{ operation: { paths: [/api/*] } }] }]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: no-secrets, namespace: shop }
spec:
  action: DENY
  rules: [{ to: [{ operation: { paths: [/api/secret] } }] }]
`;

const httpProvider = (port: number, extra: Record<string, unknown> = {}) => ({
  name: 'http-authz',
  envoyExtAuthzHttp: { service: AUTHZ_HOST, port, timeout: '2s', pathPrefix: '/check', includeRequestHeadersInCheck: ['x-allow'], headersToUpstreamOnAllow: ['x-authz-user'], headersToDownstreamOnDeny: ['x-deny-reason'], ...extra },
});
// Not a registry host: the proxy reaches it through a cluster of its own.
const grpcProvider = (port: number) => ({ name: 'grpc-authz', envoyExtAuthzGrpc: { service: '127.0.0.1', port, timeout: '2s' } });

let trellis: TestTrellis;
let app: Upstream;
let httpAuthz: ExtAuthorizer;
let grpcAuthz: ExtAuthorizer;
let webHttp: TestSidecar;
let webGrpc: TestSidecar;

// A connection per request: one kept alive would stay on the listener a settings change replaced.
const call = (sidecar: TestSidecar, p: string, allow?: boolean) => get(`http://127.0.0.1:${sidecar.inboundPort}${p}`, { host: 'web', connection: 'close', ...(allow === undefined ? {} : { 'x-allow': allow ? 'yes' : 'no' }) });
const putSettings = (providers: unknown[]) => trellis.api('PUT', `/v1/meshes/${MESH}`, { extensionProviders: providers });

beforeAll(async () => {
  trellis = await startTestTrellis();
  [app, httpAuthz, grpcAuthz] = await Promise.all([startUpstream('web'), startHttpAuthorizer(), startGrpcAuthorizer()]);
  const created = await putSettings([httpProvider(httpAuthz.port), grpcProvider(grpcAuthz.port)]);
  expect(created.status, JSON.stringify(created.json)).toBe(201);
  const applied = await trellis.api('POST', `/v1/meshes/${MESH}/apply`, manifests(httpAuthz.port));
  expect(applied.status, JSON.stringify(applied.json)).toBe(200);
  const xdsPort = Number(trellis.xdsAddress.split(':')[1]);
  const common = { xdsPort, mesh: MESH, namespace: 'shop', appPort: app.port };
  [webHttp, webGrpc] = await Promise.all([startSidecar({ ...common, workload: 'web-http', labels: { app: 'web-http' } }), startSidecar({ ...common, workload: 'web-grpc', labels: { app: 'web-grpc' } })]);
  for (const sidecar of [webHttp, webGrpc]) await waitFor(async () => (await call(sidecar, '/api/orders', false).catch(() => ({ status: 0 }))).status === 403, 'the CUSTOM policy in force', 20_000, 100);
}, 60_000);

afterAll(async () => {
  await Promise.all([webHttp?.envoy.stop(), webGrpc?.envoy.stop()]);
  await trellis?.close();
  await Promise.all([app?.close(), httpAuthz?.close(), grpcAuthz?.close()]);
});

describe('mesh settings extensionProviders', () => {
  it('refuses an unknown field, two kinds in one provider and a provider defined twice, naming the field', async () => {
    const unknown = await putSettings([{ name: 'x', envoyExtAuthzHttp: { service: AUTHZ_HOST, port: 80, failClosed: true } }]);
    expect(unknown.status).toBe(400);
    expect((unknown.json as { errors: unknown[] }).errors).toContainEqual({ path: 'extensionProviders[0].envoyExtAuthzHttp.failClosed', message: 'unknown field' });
    const both = await putSettings([{ name: 'x', envoyExtAuthzHttp: { service: AUTHZ_HOST, port: 80 }, envoyExtAuthzGrpc: { service: AUTHZ_HOST, port: 80 } }]);
    expect(both.status).toBe(400);
    expect(JSON.stringify(both.json)).toContain('exactly one');
    const twice = await putSettings([grpcProvider(1), grpcProvider(2)]);
    expect(twice.status).toBe(400);
    expect(JSON.stringify(twice.json)).toContain('defined twice');
    const mesh = await trellis.api('GET', `/v1/meshes/${MESH}`);
    expect(JSON.stringify(mesh.json)).toContain(`"port":${grpcAuthz.port}`);
  });
});

describe.each([
  ['HTTP', () => webHttp, () => httpAuthz, '/check'],
  ['gRPC', () => webGrpc, () => grpcAuthz, ''],
])('a CUSTOM policy with the %s authorizer on a real Envoy', (kind, sidecar, authorizer, prefix) => {
  it('asks the authorizer about matching requests and does as it says', async () => {
    authorizer().checked.length = 0;
    app.received.length = 0;
    const allowed = await call(sidecar(), '/api/orders', true);
    expect(allowed.status).toBe(200);
    expect(app.received.at(-1)?.headers['x-authz-user']).toBe(`checked-by-${kind.toLowerCase()}`);
    const denied = await call(sidecar(), '/api/orders?id=7', false);
    expect(denied.status).toBe(403);
    expect(denied.body).toBe(`denied by the ${kind.toLowerCase()} authorizer`);
    expect(await call(sidecar(), '/api/orders')).toMatchObject({ status: 403 });
    expect(authorizer().checked).toEqual([`${prefix}/api/orders`, `${prefix}/api/orders?id=7`, `${prefix}/api/orders`]);
    expect(app.received).toHaveLength(1);
  });

  it('does not send requests the rules do not match', async () => {
    authorizer().checked.length = 0;
    for (const p of ['/public', '/apiary', '/']) expect((await call(sidecar(), p, false)).status).toBe(200);
    expect(authorizer().checked).toEqual([]);
  });

  it('checks before DENY: the authorizer refuses first, and what it allows a DENY policy still refuses', async () => {
    authorizer().checked.length = 0;
    expect(await call(sidecar(), '/api/secret', false)).toMatchObject({ status: 403, body: `denied by the ${kind.toLowerCase()} authorizer` });
    const refused = await call(sidecar(), '/api/secret', true);
    expect(refused.status).toBe(403);
    expect(refused.body).toBe('RBAC: access denied');
    expect(authorizer().checked).toEqual([`${prefix}/api/secret`, `${prefix}/api/secret`]);
  });
});

describe('an authorizer that cannot be reached', () => {
  it('failOpen lets checked requests through; otherwise statusOnError answers them', async () => {
    const dead = await freePort();
    // The ServiceEntry keeps the live port; the provider names one nothing listens on, outside the registry.
    const unreachable = (extra: Record<string, unknown>) => ({ ...httpProvider(dead, extra), envoyExtAuthzHttp: { ...httpProvider(dead, extra).envoyExtAuthzHttp, service: '127.0.0.1' } });
    expect((await putSettings([unreachable({ failOpen: true }), grpcProvider(grpcAuthz.port)])).status).toBe(200);
    await waitFor(async () => (await call(webHttp, '/api/orders', false)).status === 200, 'failOpen in force', 20_000, 100);
    expect((await call(webHttp, '/api/orders')).status).toBe(200);
    expect((await putSettings([unreachable({ statusOnError: '503' }), grpcProvider(grpcAuthz.port)])).status).toBe(200);
    await waitFor(async () => (await call(webHttp, '/api/orders', true)).status === 503, 'statusOnError in force', 20_000, 100);
    expect((await call(webHttp, '/public', false)).status).toBe(200);
    // The gRPC workload's authorizer is still there and still decides.
    expect((await call(webGrpc, '/api/orders', true)).status).toBe(200);
    expect((await call(webGrpc, '/api/orders', false)).status).toBe(403);
  });

  it('without failOpen or statusOnError a stopped authorizer means 403', async () => {
    await grpcAuthz.close();
    await waitFor(async () => (await call(webGrpc, '/api/orders', true)).status === 403, 'the stopped authorizer noticed', 20_000, 100);
    expect((await call(webGrpc, '/public', true)).status).toBe(200);
  });
});
