import { Server, ServerCredentials, type ServerDuplexStream, type ServiceDefinition } from '@grpc/grpc-js';
import { decodeSotwRequest } from '../../xds-server/server/codec.ts';
import type { SotwRequest } from '../../xds-server/server/messages.ts';
import { encodeResource, findMessageType, SECRET_TYPE_URL } from '../../xds-server/protos/index.ts';
import { ROOT_CA_SECRET_NAME, WORKLOAD_SECRET_NAME } from '../../xds-server/translate/security/index.ts';
import type { WorkloadCertificate } from './workload-certificate.ts';

const passThrough = (bytes: Buffer): Buffer => bytes;

/** SecretDiscoveryService with our codecs: requests decoded by protobufjs, responses encoded by hand. */
const SDS_SERVICE = {
  StreamSecrets: {
    path: '/envoy.service.secret.v3.SecretDiscoveryService/StreamSecrets',
    requestStream: true,
    responseStream: true,
    requestSerialize: passThrough,
    requestDeserialize: decodeSotwRequest,
    responseSerialize: passThrough,
    responseDeserialize: passThrough,
  },
} satisfies ServiceDefinition;

/** The two secrets a sidecar asks for, as Envoy Secret objects. */
function secretsOf(cert: WorkloadCertificate): Map<string, Record<string, unknown>> {
  return new Map([
    [WORKLOAD_SECRET_NAME, { name: WORKLOAD_SECRET_NAME, tls_certificate: { certificate_chain: { inline_string: cert.certificateChainPem }, private_key: { inline_string: cert.privateKeyPem } } }],
    [ROOT_CA_SECRET_NAME, { name: ROOT_CA_SECRET_NAME, validation_context: { trusted_ca: { inline_string: cert.trustBundlePem } } }],
  ]);
}

function discoveryResponse(version: string, nonce: string, secrets: Record<string, unknown>[]): Buffer {
  const type = findMessageType('envoy.service.discovery.v3.DiscoveryResponse');
  if (!type) throw new Error('DiscoveryResponse is not in the loaded protos');
  const resources = secrets.map((s) => ({ type_url: SECRET_TYPE_URL, value: encodeResource(SECRET_TYPE_URL, s) }));
  return Buffer.from(type.encode(type.fromObject({ version_info: version, resources, type_url: SECRET_TYPE_URL, nonce })).finish());
}

export interface RunningSdsServer {
  socketPath: string;
  /** How many secret responses were sent. */
  pushes(): number;
  stop(): Promise<void>;
}

/**
 * A minimal SDS server on a Unix socket, standing in for the agent: state of the world, answers
 * every request whose names it has not answered yet on that stream, ignores ACKs.
 */
export async function startSdsServer(socketPath: string, certificate: WorkloadCertificate): Promise<RunningSdsServer> {
  const secrets = secretsOf(certificate);
  let pushes = 0;
  const server = new Server();
  server.addService(SDS_SERVICE, {
    StreamSecrets(call: ServerDuplexStream<SotwRequest, Buffer>) {
      let sent = '';
      call.on('data', (request: SotwRequest) => {
        const names = [...(request.resource_names ?? [])].sort();
        const key = names.join(',');
        if (key === sent) return;
        sent = key;
        pushes++;
        const found = names.flatMap((n) => {
          const secret = secrets.get(n);
          return secret ? [secret] : [];
        });
        call.write(discoveryResponse('1', String(pushes), found));
      });
      call.on('end', () => call.end());
      call.on('error', () => undefined);
    },
  });
  await new Promise<void>((resolve, reject) => server.bindAsync(`unix:${socketPath}`, ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));
  return {
    socketPath,
    pushes: () => pushes,
    stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}
