import { describe, expect, it } from 'vitest';
import { BadHttpRequestError, fromLambdaResult, MalformedLambdaResultError, toHttpApiEvent, type HttpRequest } from './http-api-event.ts';

const request = (over: Partial<HttpRequest> = {}): HttpRequest => ({ method: 'POST', target: '/v1/meshes/demo/apply?dryRun=true&tag=a&tag=b%20c', rawHeaders: [], body: Buffer.alloc(0), sourceIp: '127.0.0.1', httpVersion: '1.1', ...over });
const NOW = new Date('2026-12-04T10:00:00Z');

describe('HTTP request → API Gateway HTTP API event (payload 2.0)', () => {
  it('keeps the raw path and query, decodes parameters with repeats joined, lower-cases headers and moves cookies to their field', () => {
    const event = toHttpApiEvent(request({ rawHeaders: ['Host', 'api.local', 'X-Tag', 'a', 'x-tag', 'b', 'Cookie', 'a=1; b=2', 'cookie', 'c=3', 'Content-Type', 'application/yaml'], body: Buffer.from('kind: X\n') }), 'req-1', NOW);
    expect(event).toMatchObject({
      version: '2.0',
      rawPath: '/v1/meshes/demo/apply',
      rawQueryString: 'dryRun=true&tag=a&tag=b%20c',
      queryStringParameters: { dryRun: 'true', tag: 'a,b c' },
      headers: { host: 'api.local', 'x-tag': 'a,b', 'content-type': 'application/yaml' },
      cookies: ['a=1', 'b=2', 'c=3'],
      body: 'kind: X\n',
      isBase64Encoded: false,
      requestContext: { http: { method: 'POST', path: '/v1/meshes/demo/apply', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1' }, requestId: 'req-1', stage: '$default', timeEpoch: NOW.getTime() },
    });
    expect(event.headers.cookie).toBeUndefined();
  });

  it('base64-encodes bodies that are not text, and text that is not UTF-8', () => {
    const binary = Buffer.from([0xff, 0xfe, 0x00, 0x01]);
    expect(toHttpApiEvent(request({ rawHeaders: ['content-type', 'application/octet-stream'], body: binary }), 'r', NOW)).toMatchObject({ body: binary.toString('base64'), isBase64Encoded: true });
    expect(toHttpApiEvent(request({ rawHeaders: ['content-type', 'application/json'], body: binary }), 'r', NOW)).toMatchObject({ body: binary.toString('base64'), isBase64Encoded: true });
    expect(toHttpApiEvent(request(), 'r', NOW)).toMatchObject({ isBase64Encoded: false });
    expect(toHttpApiEvent(request(), 'r', NOW).body).toBeUndefined();
  });

  it('refuses a request target that is not a path, and keeps undecodable query text as sent', () => {
    expect(() => toHttpApiEvent(request({ target: 'http://elsewhere/' }), 'r', NOW)).toThrow(BadHttpRequestError);
    expect(() => toHttpApiEvent(request({ target: '*' }), 'r', NOW)).toThrow(BadHttpRequestError);
    expect(toHttpApiEvent(request({ target: '/x?bad=%E0%A4%A' }), 'r', NOW).queryStringParameters).toEqual({ bad: '%E0%A4%A' });
  });
});

describe('Lambda result → HTTP response', () => {
  it('sends status, headers, cookies as Set-Cookie and a base64 body decoded', () => {
    const r = fromLambdaResult({ statusCode: 201, headers: { 'content-type': 'application/json', etag: '"1"' }, cookies: ['a=1', 'b=2'], body: Buffer.from('{"ok":true}').toString('base64'), isBase64Encoded: true }, 1024);
    expect(r).toEqual({ status: 201, headers: [['content-type', 'application/json'], ['etag', '"1"'], ['set-cookie', 'a=1'], ['set-cookie', 'b=2']], body: Buffer.from('{"ok":true}') });
  });

  it('refuses a result API Gateway could not send: not an object, a bad status, a body over the payload limit', () => {
    expect(() => fromLambdaResult('text', 1024)).toThrow(MalformedLambdaResultError);
    expect(() => fromLambdaResult(null, 1024)).toThrow(MalformedLambdaResultError);
    expect(() => fromLambdaResult({ statusCode: 99 }, 1024)).toThrow(/not an HTTP status/);
    expect(() => fromLambdaResult({ statusCode: 200, body: 'x'.repeat(1025) }, 1024)).toThrow(/over the 1024-byte payload limit/);
  });
});
