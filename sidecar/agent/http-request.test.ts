import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCa, makeTestLeaf } from '../../test/support/tls-certificates.ts';
import { httpRequest } from './http-request.ts';

let server: http.Server;
let base: string;
const seen: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      if (req.url === '/hang') return;
      if (req.url === '/big') {
        res.writeHead(200);
        // 2 MiB in 64 KiB writes
        for (let i = 0; i < 32; i++) res.write(Buffer.alloc(65_536, 97));
        res.end();
        return;
      }
      if (req.url === '/cut') {
        res.writeHead(200, { 'content-length': '100' });
        res.write('partial');
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      }
      res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(req.url === '/missing' ? 'no such thing' : `hello ✓ ${body}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('httpRequest', () => {
  it('GETs and POSTs with headers and a body, and returns status and UTF-8 text', async () => {
    expect(await httpRequest(`${base}/a`, { timeoutMs: 5000 })).toEqual({ status: 200, text: 'hello ✓ ' });
    const posted = await httpRequest(new URL('/b', base), { method: 'POST', headers: { authorization: 'Bearer t', 'content-type': 'application/json' }, body: '{"csr":"ü"}', timeoutMs: 5000 });
    expect(posted).toEqual({ status: 200, text: 'hello ✓ {"csr":"ü"}' });
    const last = seen.at(-1)!;
    expect(last).toMatchObject({ method: 'POST', url: '/b', body: '{"csr":"ü"}' });
    expect(last.headers).toMatchObject({ authorization: 'Bearer t', 'content-type': 'application/json', 'content-length': String(Buffer.byteLength('{"csr":"ü"}')) });
  });

  it('returns an error status with its body instead of throwing', async () => {
    expect(await httpRequest(`${base}/missing`, { timeoutMs: 5000 })).toEqual({ status: 404, text: 'no such thing' });
  });

  it('gives up on a server that does not answer, within its timeout', async () => {
    const started = Date.now();
    await expect(httpRequest(`${base}/hang`, { timeoutMs: 200 })).rejects.toThrow(`${base}/hang did not answer within 200 ms`);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('refuses a body longer than its limit', async () => {
    await expect(httpRequest(`${base}/big`, { timeoutMs: 5000, maxBytes: 100_000 })).rejects.toThrow('sent more than 100000 bytes');
    expect((await httpRequest(`${base}/big`, { timeoutMs: 5000, maxBytes: 4 * 1024 * 1024 })).text).toHaveLength(2 * 1024 * 1024);
  });

  it('fails when the connection ends before the answer does, or cannot be made', async () => {
    await expect(httpRequest(`${base}/cut`, { timeoutMs: 5000 })).rejects.toThrow();
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(httpRequest(`http://127.0.0.1:${port}/`, { timeoutMs: 5000 })).rejects.toThrow(/ECONNREFUSED/);
  });

  it('refuses URLs that are not HTTP(S) and malformed URLs', async () => {
    await expect(httpRequest('file:///etc/passwd', { timeoutMs: 1000 })).rejects.toThrow('file: URLs are not supported');
    await expect(httpRequest('not a url', { timeoutMs: 1000 })).rejects.toThrow(/Invalid URL/);
  });

  it('speaks TLS to https URLs and refuses a server certificate it does not trust', async () => {
    const ca = await makeTestCa('untrusted test CA');
    const leaf = await makeTestLeaf(ca, { commonName: 'localhost', dns: ['localhost'] });
    const tls = https.createServer({ cert: leaf.certificatePem, key: leaf.privateKeyPem }, (_req, res) => res.end('secret'));
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
    try {
      await expect(httpRequest(`https://127.0.0.1:${(tls.address() as AddressInfo).port}/`, { timeoutMs: 5000 })).rejects.toThrow(/certificate/);
    } finally {
      tls.closeAllConnections();
      await new Promise((resolve) => tls.close(resolve));
    }
  });
});
