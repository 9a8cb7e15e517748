import http from 'node:http';
import https from 'node:https';

export interface HttpRequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** The whole exchange, from connecting to the last byte of the body. */
  timeoutMs: number;
  /** A longer body fails the request (default 1 MiB). */
  maxBytes?: number;
}

export interface HttpResponse {
  status: number;
  text: string;
}

const DEFAULT_MAX_BYTES = 1024 * 1024;

/**
 * One HTTP(S) request, its body read as UTF-8 text. The agent makes its calls (the Trellis API,
 * Envoy's admin, the app's metrics) with node:http rather than fetch, whose engine (undici, with
 * a WebAssembly HTTP parser) adds about 8 MB to the agent's resident memory once used.
 */
export async function httpRequest(url: string | URL, o: HttpRequestOptions): Promise<HttpResponse> {
  const target = new URL(url);
  const client = target.protocol === 'https:' ? https : target.protocol === 'http:' ? http : undefined;
  if (!client) throw new TypeError(`${target.protocol} URLs are not supported (${target.href})`);
  const maxBytes = o.maxBytes ?? DEFAULT_MAX_BYTES;
  return new Promise<HttpResponse>((resolve, reject) => {
    let settled = false;
    const settle = (err: Error | undefined, response?: HttpResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(response!);
    };
    const headers = { ...o.headers, ...(o.body !== undefined ? { 'content-length': String(Buffer.byteLength(o.body)) } : {}) };
    const req = client.request(target, { method: o.method ?? 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) {
          settle(new Error(`${target.href} sent more than ${maxBytes} bytes`));
          req.destroy();
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => settle(undefined, { status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (err) => settle(err));
      res.on('close', () => settle(new Error(`${target.href} closed the connection before the end of its answer`)));
    });
    const timer = setTimeout(() => {
      settle(new Error(`${target.href} did not answer within ${o.timeoutMs} ms`));
      req.destroy();
    }, o.timeoutMs);
    req.on('error', (err) => settle(err));
    req.end(o.body);
  });
}
