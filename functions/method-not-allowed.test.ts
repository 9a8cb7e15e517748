import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, apiHarness, type ApiHarness } from './testing/api-harness.ts';

interface Answer {
  status: number;
  allow: string | undefined;
  contentType: string | undefined;
  body: string;
}

describe('methods a path does not offer', () => {
  let api: ApiHarness;
  let server: ServerType;
  // Over real HTTP: fetch's Request refuses to build a TRACE request at all.
  const send = (method: string, path: string): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const { port } = server.address() as AddressInfo;
      const req = request({ host: '127.0.0.1', port, method, path, headers: { authorization: `Bearer ${ADMIN_KEY}` } }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, allow: res.headers.allow, contentType: res.headers['content-type'], body }));
      });
      req.on('error', reject);
      req.end();
    });
  beforeAll(async () => {
    api = await apiHarness();
    server = serve({ fetch: api.app.fetch, hostname: '127.0.0.1', port: 0 });
    await new Promise((resolve) => server.once('listening', resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await api.close();
  });

  it.each([
    ['TRACE', '/v1/meshes', 'GET, HEAD'],
    ['PATCH', '/v1/meshes/prod', 'DELETE, GET, HEAD, PUT'],
    ['POST', '/v1/meshes/prod/resources/virtualservices/shop/reviews', 'DELETE, GET, HEAD, PUT'],
    ['DELETE', '/v1/meshes/prod/apply', 'POST'],
    ['OPTIONS', '/v1/tenants', 'GET, HEAD, POST'],
    ['PUT', '/healthz', 'GET, HEAD'],
  ])('answers %s %s with 405 problem+json and Allow: %s', async (method, path, allow) => {
    const answer = await send(method, path);

    expect(answer.status).toBe(405);
    expect(answer.allow).toBe(allow);
    expect(answer.contentType).toBe('application/problem+json');
    expect(JSON.parse(answer.body)).toMatchObject({ status: 405, title: 'Method not allowed', detail: `${path} answers ${allow}, not ${method}.` });
  });

  it('keeps 404 for paths no route has, whatever the method', async () => {
    for (const method of ['GET', 'TRACE', 'PATCH']) {
      const answer = await send(method, '/v1/nothing-here');
      expect(answer.status).toBe(404);
      expect(answer.allow).toBeUndefined();
    }
  });

  it('still serves the methods a path offers, HEAD included', async () => {
    expect((await send('HEAD', '/v1/meshes')).status).toBe(200);
    expect((await send('GET', '/v1/meshes')).status).toBe(200);
  });
});
