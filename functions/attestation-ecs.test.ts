import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import { makeCsr } from '../core/ca/testing/make-csr.ts';
import { decodeStsCredential, encodeStsCredential } from '../core/identity/attestation/signed-sts-request.ts';
import { ecsAttestor } from '../sidecar/agent/attestation/ecs-attestor.ts';
import { startMoto, type RunningMoto } from '../test/support/moto.ts';
import { apiHarness, type ApiHarness } from './testing/api-harness.ts';

const ROLE_ARN = 'arn:aws:iam::123456789012:role/checkout-task';

let moto: RunningMoto;
let h: ApiHarness;

beforeAll(async () => {
  moto = await startMoto();
}, 60_000);
afterAll(() => moto?.stop());

beforeEach(async () => {
  h = await apiHarness({ attestation: { stsEndpoints: [moto.endpoint] } });
  expect((await h.call('PUT', '/v1/meshes/prod', { body: {} })).status).toBe(201);
});
afterEach(() => h.close());

/** Task-role credentials, the way ECS hands them to a task: from STS AssumeRole. */
async function roleCredentials(roleArn = ROLE_ARN) {
  const sts = new STSClient(moto.clientConfig);
  const assumed = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'task-0123' }));
  sts.destroy();
  const c = assumed.Credentials!;
  return { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
}

/** The certificate request the agent sends: a CSR body and an Authorization signed for exactly that body. */
async function signedRequest(options: { credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }; mesh?: string; csr?: string } = {}) {
  const body = JSON.stringify({ csr: options.csr ?? (await makeCsr()).pem });
  const attestor = ecsAttestor({ tenantId: 'default', region: 'us-east-1', endpoint: moto.endpoint, credentials: options.credentials ?? (await roleCredentials()) });
  return { body, authorization: await attestor.authorization({ mesh: options.mesh ?? 'prod', body }) };
}

const send = (r: { body: string; authorization: string }, mesh = 'prod') =>
  h.app.request(`/v1/meshes/${mesh}/certificates`, { method: 'POST', headers: { authorization: r.authorization, 'content-type': 'application/json', 'trellis-tenant': 'default' }, body: r.body });

async function detail(res: Response, status: number): Promise<string> {
  const body = (await res.json()) as { detail: string };
  expect(res.status, body.detail).toBe(status);
  return body.detail;
}

const registerRole = (body: Record<string, unknown>, name = 'checkout') => h.call('PUT', `/v1/meshes/prod/attestation/ecs-roles/${name}`, { body });

describe('ECS role registration', () => {
  it('registers, lists, removes; refuses a malformed ARN and a second registration of one role', async () => {
    expect((await registerRole({ roleArn: ROLE_ARN, namespace: 'shop', serviceAccount: 'checkout' })).status).toBe(201);
    expect((await registerRole({ roleArn: 'arn:aws:iam::123456789012:user/alice', namespace: 'shop', serviceAccount: 'x' }, 'bad')).status).toBe(400);
    expect((await registerRole({ roleArn: 'arn:aws:iam::123456789012:role/team/checkout-task', namespace: 'shop', serviceAccount: 'x' }, 'dup')).status).toBe(409);
    const listed = (await (await h.call('GET', '/v1/meshes/prod/attestation/ecs-roles')).json()) as { items: unknown[] };
    expect(listed.items).toEqual([expect.objectContaining({ name: 'checkout', roleArn: ROLE_ARN, namespace: 'shop', serviceAccount: 'checkout' })]);
    expect((await h.call('DELETE', '/v1/meshes/prod/attestation/ecs-roles/checkout')).status).toBe(204);
  });
});

describe('ECS attestation against STS (moto)', () => {
  beforeEach(async () => {
    expect((await registerRole({ roleArn: ROLE_ARN, namespace: 'shop', serviceAccount: 'checkout' })).status).toBe(201);
  });

  it('issues the identity registered for the task role STS names, and audits the ARN', async () => {
    // Act
    const res = await send(await signedRequest());
    // Assess
    const issued = (await res.json()) as { spiffeId: string };
    expect(res.status, JSON.stringify(issued)).toBe(201);
    expect(issued.spiffeId).toBe('spiffe://prod.default.trellis.local/ns/shop/sa/checkout');
    const audit = (await (await h.call('GET', '/v1/meshes/prod/certificates/audit?limit=1')).json()) as { items: Record<string, unknown>[] };
    expect(audit.items[0]).toMatchObject({ credential: 'ecs', outcome: 'issued', subject: 'checkout: arn:aws:sts::123456789012:assumed-role/checkout-task/task-0123' });
  });

  it('accepts each signed request once', async () => {
    const request = await signedRequest();
    expect((await send(request)).status).toBe(201);
    expect(await detail(await send(request), 401)).toMatch(/already used/);
  });

  it('refuses a signed request moved to another body (CSR) or mesh', async () => {
    const request = await signedRequest();
    const otherCsr = JSON.stringify({ csr: (await makeCsr()).pem });
    expect(await detail(await send({ ...request, body: otherCsr }), 401)).toMatch(/does not bind this request/);
    expect((await h.call('PUT', '/v1/meshes/other', { body: {} })).status).toBe(201);
    expect(await detail(await send(request, 'other'), 401)).toMatch(/does not bind this request/);
  });

  it('refuses a role that is not registered, and credentials that are not a role', async () => {
    expect(await detail(await send(await signedRequest({ credentials: await roleCredentials('arn:aws:iam::123456789012:role/batch') })), 403)).toMatch(/Role batch of account 123456789012 is not registered/);
    expect(await detail(await send(await signedRequest({ credentials: moto.clientConfig.credentials })), 403)).toMatch(/not an assumed role/);
  });

  it('never sends to an endpoint the client names', async () => {
    const request = await signedRequest();
    const decoded = decodeStsCredential(request.authorization.slice('AwsSts '.length));
    if (!decoded.ok) throw new Error('undecodable');
    const redirected = encodeStsCredential({ ...decoded.value, url: 'http://169.254.169.254/' });
    expect(await detail(await send({ ...request, authorization: `AwsSts ${redirected}` }), 401)).toMatch(/not an STS endpoint Trellis sends to/);
  });

  it('refuses a CSR asking for another identity than the role is registered for', async () => {
    const csr = (await makeCsr({ uris: ['spiffe://prod.default.trellis.local/ns/kube-system/sa/admin'] })).pem;
    expect(await detail(await send(await signedRequest({ csr })), 403)).toMatch(/Identity mismatch/);
  });
});
