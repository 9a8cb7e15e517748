import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { admit, parseAdmissionReview, reviewOf } from './admission-review.ts';
import type { InjectionConfig } from './injection-config.ts';
import type { AdmissionResponse } from './k8s-types.ts';

export const WEBHOOK_PATH = '/inject';
export const WEBHOOK_PORT = 9443;
/** Pods are capped near 1.5 MiB by etcd; a review holds at most one, plus the envelope. */
export const DEFAULT_MAX_BODY_BYTES = 2 * 1024 * 1024;

export interface WebhookServerOptions {
  config: InjectionConfig;
  /** PEM serving certificate (chain) and key. */
  tls: { cert: string; key: string };
  host?: string;
  port?: number;
  maxBodyBytes?: number;
  /** The namespace's labels, to re-check the namespaceSelector; undefined when unknown. */
  namespaceLabels?: (namespace: string) => Promise<Record<string, string> | undefined>;
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
}

export interface WebhookServer {
  port: number;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (declared > limit) return reject(new HttpError(413, `the body is larger than ${limit} bytes`));
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new HttpError(413, `the body is larger than ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  // A refused oversized body is not read to its end: close the connection rather than drain it.
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...(status === 413 ? { connection: 'close' } : {}) });
  res.end(text);
}

const refusal = (uid: string, code: number, message: string): AdmissionResponse => ({ uid, allowed: false, status: { code, message, reason: 'BadRequest' } });

/** The mutating admission webhook: POST /inject (AdmissionReview v1) and GET /healthz, over HTTPS. */
export async function startWebhookServer(o: WebhookServerOptions): Promise<WebhookServer> {
  const limit = o.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'https://webhook');
    if (url.pathname === '/healthz' && req.method === 'GET') return send(res, 200, { status: 'ok' });
    if (url.pathname !== WEBHOOK_PATH) return send(res, 404, reviewOf(refusal('', 404, `no such path; reviews go to POST ${WEBHOOK_PATH}`)));
    if (req.method !== 'POST') return send(res, 405, reviewOf(refusal('', 405, `use POST ${WEBHOOK_PATH}`)));
    const type = req.headers['content-type'] ?? '';
    if (!/^application\/json\b/i.test(type)) return send(res, 415, reviewOf(refusal('', 415, 'content-type must be application/json')));
    const body = await readBody(req, limit);
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch (err) {
      return send(res, 400, reviewOf(refusal('', 400, `the body is not JSON: ${(err as Error).message.slice(0, 200)}`)));
    }
    const parsed = parseAdmissionReview(json);
    if (!parsed.ok) {
      const message = 'malformed' in parsed ? parsed.malformed.message : parsed.errors.map((e) => e.message).join('; ');
      const uid = 'malformed' in parsed ? parsed.malformed.uid : '';
      return send(res, 400, reviewOf(refusal(uid, 400, message)));
    }
    const request = parsed.value;
    let labels: Record<string, string> | undefined;
    if (o.namespaceLabels && request.namespace) {
      labels = await o.namespaceLabels(request.namespace).catch((err: unknown) => {
        // The namespaceSelector already matched: an unreachable API server does not block pods.
        o.logger?.warn({ err, namespace: request.namespace }, 'namespace labels unavailable; trusting the namespaceSelector');
        return undefined;
      });
    }
    const response = admit(request, o.config, labels);
    o.logger?.info({ uid: request.uid, namespace: request.namespace, allowed: response.allowed, patched: response.patch !== undefined }, 'admission review');
    send(res, 200, reviewOf(response));
  };

  const server = https.createServer({ cert: o.tls.cert, key: o.tls.key, minVersion: 'TLSv1.2' }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (err instanceof HttpError) return send(res, err.status, reviewOf(refusal('', err.status, err.message)));
      o.logger?.error({ err }, 'admission review failed');
      send(res, 500, reviewOf(refusal('', 500, 'internal error while reviewing the pod')));
    });
  });
  // Slow or stalled clients cannot hold connections: the API server gives up after its own timeout anyway.
  server.requestTimeout = 15_000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? WEBHOOK_PORT, o.host ?? '0.0.0.0', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
