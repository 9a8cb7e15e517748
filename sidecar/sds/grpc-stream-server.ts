import http2 from 'node:http2';

/** gRPC status codes the server sends (grpc/doc/statuscodes.md). */
export const GRPC_STATUS = { OK: 0, RESOURCE_EXHAUSTED: 8, UNIMPLEMENTED: 12, INTERNAL: 13 } as const;

/** gRPC's default limit on a received message. */
export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
const HEADER_BYTES = 5;

/** One open call as a method sees it: it sends messages with `write`. */
export interface GrpcCall {
  write(message: Uint8Array): void;
}

/** What a method does with each request message (throwing ends the call with INTERNAL) and when the call is over. */
export interface GrpcCallHandler {
  message(bytes: Uint8Array): void;
  closed(): void;
}

/** A bidirectional-streaming method: called once per call. */
export type GrpcStreamingMethod = (call: GrpcCall) => GrpcCallHandler;

function frame(message: Uint8Array): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt32BE(message.length, 1);
  return Buffer.concat([header, message]);
}

/**
 * A gRPC server of bidirectional-streaming methods over HTTP/2 without TLS (Envoy on the agent's
 * Unix socket), on Node's own http2: the agent serves two methods to one local client, and a
 * general gRPC library would stay in each agent's memory (~3.5 MiB of RSS) for that alone.
 * Uncompressed messages only, as Envoy sends them; anything else ends the call with a status.
 */
export class GrpcStreamServer {
  private readonly server = http2.createServer();
  private readonly sessions = new Set<http2.ServerHttp2Session>();

  /** `methods` by path, `/package.Service/Method`. */
  constructor(private readonly methods: Record<string, GrpcStreamingMethod>) {
    this.server.on('session', (session) => {
      this.sessions.add(session);
      session.once('close', () => this.sessions.delete(session));
    });
    this.server.on('stream', (stream, headers) => this.serve(stream, headers));
  }

  listen(socketPath: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(socketPath, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  /** Cuts every open call and stops listening. */
  close(): Promise<void> {
    for (const session of this.sessions) session.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private serve(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
    stream.on('error', () => undefined);
    if (headers[':method'] !== 'POST' || !String(headers['content-type'] ?? '').startsWith('application/grpc')) {
      stream.respond({ ':status': 415 }, { endStream: true });
      return;
    }
    const method = this.methods[headers[':path'] ?? ''];
    if (!method) {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': String(GRPC_STATUS.UNIMPLEMENTED), 'grpc-message': encodeURIComponent(`unknown method ${headers[':path'] ?? ''}`) }, { endStream: true });
      return;
    }
    let status: { code: number; message?: string } = { code: GRPC_STATUS.OK };
    let over = false;
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': String(status.code), ...(status.message ? { 'grpc-message': encodeURIComponent(status.message) } : {}) }));
    const handler = method({ write: (message) => (over || stream.destroyed ? undefined : void stream.write(frame(message))) });
    const finish = (code: number, message?: string) => {
      if (over) return;
      over = true;
      status = { code, ...(message ? { message } : {}) };
      handler.closed();
      if (!stream.destroyed) stream.end();
    };
    let pending: Buffer = Buffer.alloc(0);
    stream.on('data', (chunk: Buffer) => {
      if (over) return;
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (!over && pending.length >= HEADER_BYTES) {
        if (pending[0] !== 0) return finish(GRPC_STATUS.UNIMPLEMENTED, 'compressed messages are not accepted');
        const length = pending.readUInt32BE(1);
        if (length > MAX_MESSAGE_BYTES) return finish(GRPC_STATUS.RESOURCE_EXHAUSTED, `a message of ${length} bytes is over the ${MAX_MESSAGE_BYTES}-byte limit`);
        if (pending.length < HEADER_BYTES + length) return;
        const message = pending.subarray(HEADER_BYTES, HEADER_BYTES + length);
        pending = pending.subarray(HEADER_BYTES + length);
        try {
          handler.message(message);
        } catch (err) {
          return finish(GRPC_STATUS.INTERNAL, `the request message cannot be read: ${(err as Error).message}`);
        }
      }
    });
    // The client closed its side: the call ends well.
    stream.on('end', () => finish(GRPC_STATUS.OK));
    stream.on('close', () => {
      if (over) return;
      over = true;
      handler.closed();
    });
  }
}
