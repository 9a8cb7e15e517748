import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { protoIncludeDirs } from '../../core/envoy/proto-include-dirs.ts';

/** A running external authorizer: it allows a request carrying `x-allow: yes` and denies any other. */
export interface ExtAuthorizer {
  port: number;
  /** The paths it was asked about, in order. */
  checked: string[];
  close(): Promise<void>;
}

const allowed = (value: string | string[] | undefined) => value === 'yes';

/** Envoy's HTTP ext_authz protocol: the check is the request itself (path after the prefix); 200 allows, 403 denies. */
export async function startHttpAuthorizer(): Promise<ExtAuthorizer> {
  const checked: string[] = [];
  const server = http.createServer((req, res) => {
    checked.push(req.url ?? '');
    if (allowed(req.headers['x-allow'])) {
      res.writeHead(200, { 'x-authz-user': 'checked-by-http' });
      res.end();
    } else {
      res.writeHead(403, { 'content-type': 'text/plain', 'x-deny-reason': 'no x-allow' });
      res.end('denied by the http authorizer');
    }
  });
  // Envoy keeps its connection to the authorizer; one closed while idle races Envoy reusing it.
  server.keepAliveTimeout = 600_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    checked,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface CheckRequest {
  attributes?: { request?: { http?: { path?: string; headers?: Record<string, string> } } };
}

/** `envoy.service.auth.v3.Authorization/Check` over gRPC: OK with an upstream header, or PERMISSION_DENIED with a 403. */
export async function startGrpcAuthorizer(): Promise<ExtAuthorizer> {
  const definition = loadSync('envoy/service/auth/v3/external_auth.proto', { keepCase: true, longs: String, enums: String, defaults: false, oneofs: true, includeDirs: protoIncludeDirs() });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as { envoy: { service: { auth: { v3: { Authorization: grpc.ServiceClientConstructor } } } } };
  const checked: string[] = [];
  const server = new grpc.Server();
  server.addService(loaded.envoy.service.auth.v3.Authorization.service, {
    Check: (call: grpc.ServerUnaryCall<CheckRequest, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      const request = call.request.attributes?.request?.http;
      checked.push(request?.path ?? '');
      if (allowed(request?.headers?.['x-allow'])) {
        callback(null, { status: { code: grpc.status.OK }, ok_response: { headers: [{ header: { key: 'x-authz-user', value: 'checked-by-grpc' } }] } });
      } else {
        callback(null, { status: { code: grpc.status.PERMISSION_DENIED }, denied_response: { status: { code: 'Forbidden' }, body: 'denied by the grpc authorizer' } });
      }
    },
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  return {
    port,
    checked,
    close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}
