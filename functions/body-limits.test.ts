import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyLimitFor, DEFAULT_MAX_BODY_BYTES, MAX_CERTIFICATE_REQUEST_BYTES, MAX_CREDENTIAL_BYTES } from './body-limits.ts';
import { DEFAULT_LIMITS } from './dependencies.ts';
import { ADMIN_KEY, apiHarness, type ApiHarness } from './testing/api-harness.ts';

const FIFTY_MB = 50 * 1024 * 1024;
const CHUNK = Buffer.alloc(1024 * 1024, 0x61);

interface Answer {
  status: number;
  contentType: string;
  body: string;
  /** Bytes of the body the client had written when the answer came. */
  sent: number;
}

/** Streams `total` bytes to the server in 1 MiB chunks until it answers; declared or chunked. */
function streamBody(port: number, method: string, path: string, total: number, declared: boolean): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const headers: Record<string, string | number> = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };
    if (declared) headers['content-length'] = total;
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      answered = true;
      const at = sent;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type']), body: Buffer.concat(chunks).toString('utf8'), sent: at });
        req.destroy();
      });
    });
    // The server may close the connection mid-body once it has answered.
    req.on('error', (err) => (answered ? undefined : reject(err)));
    const pump = () => {
      while (!answered && sent < total) {
        sent += CHUNK.length;
        if (!req.write(CHUNK)) return void req.once('drain', pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}

describe('request body limits, over HTTP', () => {
  let api: ApiHarness;
  let server: ServerType;
  let port: number;
  beforeAll(async () => {
    api = await apiHarness();
    expect((await api.call('PUT', '/v1/meshes/m', { body: {} })).status).toBe(201);
    server = serve({ fetch: api.app.fetch, hostname: '127.0.0.1', port: 0 });
    await new Promise((resolve) => server.once('listening', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await api.close();
  });

  it('refuses a 50 MB mesh PUT with 413 problem+json before reading it, and stores nothing', async () => {
    const answer = await streamBody(port, 'PUT', '/v1/meshes/big', FIFTY_MB, true);

    expect(answer.status).toBe(413);
    expect(answer.contentType).toBe('application/problem+json');
    expect(JSON.parse(answer.body)).toMatchObject({ status: 413, title: 'Request too large', detail: `The body of PUT /v1/meshes/big may be at most ${DEFAULT_MAX_BODY_BYTES} bytes.` });
    expect(answer.sent).toBeLessThan(FIFTY_MB);
    expect((await api.call('GET', '/v1/meshes/big')).status).toBe(404);
  });

  it.each([
    ['POST', '/v1/meshes/m/join-tokens'],
    ['POST', '/v1/meshes/m/rollback'],
    ['PUT', '/v1/meshes/m/attestation/eks-clusters/big'],
    ['PUT', '/v1/meshes/m/attestation/ecs-roles/big'],
    ['POST', '/v1/tenants'],
    ['POST', '/v1/tenants/default/api-keys'],
  ])('refuses a chunked 50 MB body to %s %s with 413, and the mesh is unchanged', async (method, path) => {
    const before = await (await api.call('GET', '/v1/meshes/m')).json();

    const answer = await streamBody(port, method, path, FIFTY_MB, false);

    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ status: 413, detail: expect.stringMatching(/may be at most 65536 bytes/) });
    expect(await (await api.call('GET', '/v1/meshes/m')).json()).toEqual(before);
    expect(((await (await api.call('GET', '/v1/tenants')).json()) as { items: unknown[] }).items).toHaveLength(1);
  });

  it('refuses an oversized unauthenticated body with 413 too: the limit comes before everything', async () => {
    const res = await api.app.request('/v1/meshes/m/join-tokens', { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(FIFTY_MB) }, body: '{}' });

    expect(res.status).toBe(413);
  });
});

describe('the body limit of each route', () => {
  it('is the apply, resource, credential or certificate limit where the route takes those, 64 KiB elsewhere', () => {
    const limit = (method: string, path: string) => bodyLimitFor(DEFAULT_LIMITS, method, path).maxBytes;

    expect(limit('POST', '/v1/meshes/m/apply')).toBe(DEFAULT_LIMITS.maxApplyBytes);
    expect(limit('PUT', '/v1/meshes/m/resources/virtualservices/shop/reviews')).toBe(DEFAULT_LIMITS.maxResourceBytes);
    expect(limit('PUT', '/v1/meshes/m/credentials/shop/tls')).toBe(MAX_CREDENTIAL_BYTES);
    expect(limit('POST', '/v1/meshes/m/certificates')).toBe(MAX_CERTIFICATE_REQUEST_BYTES);
    expect(limit('PUT', '/v1/meshes/m')).toBe(DEFAULT_MAX_BODY_BYTES);
    expect(limit('POST', '/v1/meshes/m/apply/extra')).toBe(DEFAULT_MAX_BODY_BYTES);
    expect(limit('GET', '/v1/meshes/m/apply')).toBe(DEFAULT_MAX_BODY_BYTES);
  });
});
