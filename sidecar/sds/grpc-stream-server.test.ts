import http2 from 'node:http2';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { credentials, makeGenericClientConstructor, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRPC_STATUS, GrpcStreamServer, MAX_MESSAGE_BYTES } from './grpc-stream-server.ts';

const ECHO = '/test.Echo/Stream';
const identity = (b: Buffer) => b;

/** What the raw HTTP/2 client saw of one call. */
interface RawCall {
  status?: number;
  grpcStatus?: string;
  grpcMessage?: string;
  data: Buffer;
}

describe('GrpcStreamServer (gRPC bidirectional streams over HTTP/2 on a Unix socket)', () => {
  let dir: string;
  let socket: string;
  let server: GrpcStreamServer;
  let closedCalls = 0;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-grpc-stream-'));
    socket = path.join(dir, 'grpc.sock');
    server = new GrpcStreamServer({
      [ECHO]: (call) => ({
        message: (bytes) => {
          if (bytes.toString() === 'throw') throw new Error('not a request');
          call.write(Buffer.concat([Buffer.from('echo:'), bytes]));
        },
        closed: () => closedCalls++,
      }),
    });
    await server.listen(socket);
  });

  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Sends `body` as one HTTP/2 request and reads the answer to its end. */
  function raw(body: Buffer, headers: http2.OutgoingHttpHeaders = {}): Promise<RawCall> {
    return new Promise((resolve, reject) => {
      const session = http2.connect('http://localhost', { createConnection: () => net.connect(socket) });
      session.on('error', reject);
      const req = session.request({ ':method': 'POST', ':path': ECHO, 'content-type': 'application/grpc', te: 'trailers', ...headers });
      const seen: RawCall = { data: Buffer.alloc(0) };
      const take = (h: http2.IncomingHttpHeaders) => {
        if (h[':status'] !== undefined) seen.status = Number(h[':status']);
        if (h['grpc-status'] !== undefined) seen.grpcStatus = String(h['grpc-status']);
        if (h['grpc-message'] !== undefined) seen.grpcMessage = decodeURIComponent(String(h['grpc-message']));
      };
      req.on('response', take);
      req.on('trailers', take);
      req.on('data', (chunk: Buffer) => (seen.data = Buffer.concat([seen.data, chunk])));
      req.on('close', () => {
        session.close();
        resolve(seen);
      });
      req.on('error', () => undefined);
      req.end(body);
    });
  }

  const framed = (payload: Buffer, compressed = 0) => {
    const header = Buffer.alloc(5);
    header[0] = compressed;
    header.writeUInt32BE(payload.length, 1);
    return Buffer.concat([header, payload]);
  };

  it('answers a real gRPC client message by message and ends the call OK when the client ends its side', async () => {
    const Client = makeGenericClientConstructor({ Stream: { path: ECHO, requestStream: true, responseStream: true, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity } }, 'Echo');
    const client = new Client(`unix:${socket}`, credentials.createInsecure());
    try {
      const call = (client as unknown as { Stream(): ClientDuplexStream<Buffer, Buffer> }).Stream();
      const answers: string[] = [];
      const done = new Promise<{ code: number }>((resolve, reject) => {
        call.on('data', (b: Buffer) => answers.push(b.toString()));
        call.on('status', resolve);
        call.on('error', (err: ServiceError) => reject(err));
      });

      call.write(Buffer.from('one'));
      call.write(Buffer.from(''));
      call.write(Buffer.from('three'));
      call.end();

      expect((await done).code).toBe(GRPC_STATUS.OK);
      expect(answers).toEqual(['echo:one', 'echo:', 'echo:three']);
    } finally {
      client.close();
    }
  });

  it('reads messages split across and packed into HTTP/2 data frames', async () => {
    const two = Buffer.concat([framed(Buffer.from('a')), framed(Buffer.from('bb'))]);

    const seen = await raw(two);

    expect(seen.grpcStatus).toBe('0');
    expect(seen.data).toEqual(Buffer.concat([framed(Buffer.from('echo:a')), framed(Buffer.from('echo:bb'))]));
  });

  it('refuses an unknown method with UNIMPLEMENTED, and what is not gRPC with 415', async () => {
    const unknown = await raw(framed(Buffer.from('x')), { ':path': '/test.Echo/Nope' });
    const notGrpc = await raw(Buffer.from('{}'), { 'content-type': 'application/json' });

    expect(unknown).toMatchObject({ status: 200, grpcStatus: String(GRPC_STATUS.UNIMPLEMENTED), grpcMessage: 'unknown method /test.Echo/Nope' });
    expect(notGrpc.status).toBe(415);
  });

  it('ends a call with a status for a compressed, an oversized and an unreadable message, and releases it', async () => {
    const before = closedCalls;
    const oversized = Buffer.alloc(5);
    oversized.writeUInt32BE(MAX_MESSAGE_BYTES + 1, 1);

    const compressed = await raw(framed(Buffer.from('x'), 1));
    const tooBig = await raw(Buffer.concat([oversized, Buffer.alloc(1024)]));
    const unreadable = await raw(Buffer.concat([framed(Buffer.from('ok')), framed(Buffer.from('throw')), framed(Buffer.from('never'))]));

    expect(compressed).toMatchObject({ grpcStatus: String(GRPC_STATUS.UNIMPLEMENTED), grpcMessage: 'compressed messages are not accepted' });
    expect(tooBig).toMatchObject({ grpcStatus: String(GRPC_STATUS.RESOURCE_EXHAUSTED) });
    expect(tooBig.grpcMessage).toContain(`${MAX_MESSAGE_BYTES + 1} bytes`);
    expect(unreadable).toMatchObject({ grpcStatus: String(GRPC_STATUS.INTERNAL), grpcMessage: 'the request message cannot be read: not a request' });
    expect(unreadable.data).toEqual(framed(Buffer.from('echo:ok')));
    expect(closedCalls - before).toBe(3);
  });

  it('releases a call the client resets', async () => {
    const before = closedCalls;
    const session = http2.connect('http://localhost', { createConnection: () => net.connect(socket) });
    const req = session.request({ ':method': 'POST', ':path': ECHO, 'content-type': 'application/grpc' });
    req.on('error', () => undefined);
    req.write(framed(Buffer.from('hi')));
    await new Promise((resolve) => req.once('data', resolve));

    req.close(http2.constants.NGHTTP2_CANCEL);
    await new Promise((resolve) => req.once('close', resolve));
    session.close();

    for (let i = 0; i < 100 && closedCalls === before; i++) await new Promise((r) => setTimeout(r, 20));
    expect(closedCalls).toBe(before + 1);
  });

  it('close() cuts open calls and stops listening', async () => {
    const other = new GrpcStreamServer({ [ECHO]: (call) => ({ message: (bytes) => call.write(bytes), closed: () => undefined }) });
    const otherSocket = path.join(dir, 'other.sock');
    await other.listen(otherSocket);
    const session = http2.connect('http://localhost', { createConnection: () => net.connect(otherSocket) });
    session.on('error', () => undefined);
    const req = session.request({ ':method': 'POST', ':path': ECHO, 'content-type': 'application/grpc' });
    req.on('error', () => undefined);
    req.write(framed(Buffer.from('hi')));
    await new Promise((resolve) => req.once('data', resolve));

    const cut = new Promise((resolve) => req.once('close', resolve));
    await other.close();
    await cut;

    await expect(new Promise((resolve, reject) => net.connect(otherSocket).once('connect', resolve).once('error', reject))).rejects.toThrow(/ENOENT|ECONNREFUSED/);
  });
});
