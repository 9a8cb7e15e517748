import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { BadHttpRequestError, fromLambdaResult, toHttpApiEvent, type HttpResponse } from './http-api-event.ts';

/** Lambda's synchronous invocation payload limit, for the request and the response alike. */
export const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

export interface TopologyHealth {
  ready: boolean;
  components: Record<string, string>;
}

export interface ApiGatewayOptions {
  host: string;
  port: number;
  invoke(event: APIGatewayProxyEventV2): Promise<unknown>;
  /** `GET /healthz`: the whole topology's readiness, answered here rather than by the function. */
  health(): Promise<TopologyHealth>;
  onError(err: unknown, requestId: string): void;
  maxPayloadBytes?: number;
}

export interface RunningApiGateway {
  url: string;
  port: number;
  close(): Promise<void>;
}

const json = (status: number, body: unknown): HttpResponse => ({ status, headers: [['content-type', 'application/json']], body: Buffer.from(JSON.stringify(body)) });

// What an HTTP API answers itself, before or instead of the function's response.
const TOO_LARGE = json(413, { message: 'Request Entity Too Large' });
const BAD_REQUEST = json(400, { message: 'Bad Request' });
const INTERNAL = json(500, { message: 'Internal Server Error' });
const UNAVAILABLE = json(503, { message: 'Service Unavailable' });

/** Reads the body up to `limit` bytes; undefined when it is larger. */
function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length'] ?? 0) > limit) return resolve(undefined);
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        resolve(undefined);
        req.pause();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: http.ServerResponse, r: HttpResponse, requestId: string, close = false): void {
  const headers: [string, string][] = [...r.headers.filter(([k]) => k.toLowerCase() !== 'content-length'), ['apigw-requestid', requestId], ['content-length', String(r.body.length)]];
  if (close) headers.push(['connection', 'close']);
  res.writeHead(r.status, headers.flat());
  res.end(r.body);
}

/**
 * A local stand-in for API Gateway's HTTP API in front of the API Lambda: each request becomes a
 * payload-2.0 event, each result an HTTP response; bodies above Lambda's payload limit get 413,
 * a function error 500, a timeout 503, as API Gateway answers them.
 */
export async function startApiGateway(o: ApiGatewayOptions): Promise<RunningApiGateway> {
  const limit = o.maxPayloadBytes ?? MAX_PAYLOAD_BYTES;
  const server = http.createServer((req, res) => {
    const requestId = randomUUID();
    void (async () => {
      if (req.method === 'GET' && (req.url === '/healthz' || req.url?.startsWith('/healthz?'))) {
        const health = await o.health();
        return send(res, json(health.ready ? 200 : 503, { status: health.ready ? 'ok' : 'starting', components: health.components }), requestId);
      }
      const body = await readBody(req, limit);
      if (body === undefined) return send(res, TOO_LARGE, requestId, true);
      let event: APIGatewayProxyEventV2;
      try {
        event = toHttpApiEvent({ method: req.method ?? 'GET', target: req.url ?? '/', rawHeaders: req.rawHeaders, body, sourceIp: req.socket.remoteAddress ?? '127.0.0.1', httpVersion: req.httpVersion }, requestId, new Date());
      } catch (err) {
        if (err instanceof BadHttpRequestError) return send(res, BAD_REQUEST, requestId);
        throw err;
      }
      let response: HttpResponse;
      try {
        response = fromLambdaResult(await o.invoke(event), limit);
      } catch (err) {
        o.onError(err, requestId);
        response = (err as { timedOut?: boolean }).timedOut ? UNAVAILABLE : INTERNAL;
      }
      send(res, response, requestId);
    })().catch((err: unknown) => {
      o.onError(err, requestId);
      if (!res.headersSent) send(res, INTERNAL, requestId);
      else res.destroy();
    });
  });
  server.requestTimeout = 35_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${o.host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
