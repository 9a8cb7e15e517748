import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LambdaEvent } from 'hono/aws-lambda';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { openEmbeddedStore } from '../core/adapters/embedded/store/index.ts';
import { InProcessBus } from '../core/adapters/embedded/bus/in-process-bus.ts';
import type { ConfigStore } from '../core/store/config-store.ts';
import { createLambdaHandler } from './lambda.ts';
import { ensureBootstrap } from './bootstrap.ts';

const KEY = 'lambda-test-admin-key-0123456789';

function httpApiEvent(method: string, rawPath: string, body?: string, headers: Record<string, string> = {}): LambdaEvent {
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString: '',
    headers: { host: 'api.example.com', authorization: `Bearer ${KEY}`, ...headers },
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'test' },
      requestId: 'req-1',
      routeKey: '$default',
      stage: '$default',
      time: '22/Nov/2026:10:00:00 +0000',
      timeEpoch: 1_795_000_000_000,
    },
    body,
    isBase64Encoded: false,
  };
  // The AWS event type marks body optional where hono's marks it nullable: the same event.
  return event as unknown as LambdaEvent;
}

let dir: string;
let store: ConfigStore;
let inits = 0;
const handler = createLambdaHandler(async () => {
  inits++;
  return { store, bus: new InProcessBus(), logger: pino({ level: 'silent' }) };
});

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-lambda-'));
  store = await openEmbeddedStore({ dir });
  await ensureBootstrap(store, { bootstrapKey: KEY });
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('Lambda entry (API Gateway HTTP API, payload v2)', () => {
  it('serves the same API, creating dependencies once on first use', async () => {
    const put = await handler(httpApiEvent('PUT', '/v1/meshes/edge', '{}', { 'content-type': 'application/json' }), {} as Context);
    expect(put.statusCode).toBe(201);
    const get = await handler(httpApiEvent('GET', '/v1/meshes/edge'), {} as Context);
    expect(get.statusCode).toBe(200);
    expect(JSON.parse(get.body!)).toMatchObject({ name: 'edge', revision: 0 });
    expect(get.headers?.etag).toMatch(/^"\d+"$/);
    expect(inits).toBe(1);
  });

  it('answers problem+json for a missing key', async () => {
    const res = await handler(httpApiEvent('GET', '/v1/meshes', undefined, { authorization: '' }), {} as Context);
    expect(res.statusCode).toBe(401);
    expect(res.headers?.['content-type']).toBe('application/problem+json');
  });
});
