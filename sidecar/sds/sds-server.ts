import { chmod, rm } from 'node:fs/promises';
import { GrpcStreamServer, type GrpcCallHandler } from './grpc-stream-server.ts';
import { decodeSdsDeltaRequest, decodeSdsRequest, encodeSdsDeltaResponse, encodeSdsResponse } from './sds-codec.ts';
import { DeltaSecretStream, SotwSecretStream, type SecretSource } from './sds-streams.ts';
import { encodeSecrets, type EncodedSecrets, type WorkloadSecrets } from './secrets.ts';

const SERVICE = '/envoy.service.secret.v3.SecretDiscoveryService';

export interface SdsStats {
  /** Secret versions the agent has published (one per certificate). */
  version: string | undefined;
  /** The newest version some proxy has acknowledged. */
  ackedVersion: string | undefined;
  lastNack: { version: string; message: string } | undefined;
  streams: number;
}

export interface SdsServerOptions {
  /** Unix socket path; made owner-only once bound. */
  socketPath: string;
  onNack?(version: string, message: string): void;
}

/**
 * The agent's SDS server: Envoy fetches the workload certificate (`default`) and the trust bundle
 * (`ROOTCA`) from it over a Unix socket, and gets each new certificate pushed without a restart.
 */
export class SdsServer implements SecretSource {
  private readonly server: GrpcStreamServer;
  private readonly streams = new Set<SotwSecretStream | DeltaSecretStream>();
  private latest: { version: string; secrets: EncodedSecrets } | undefined;
  private generation = 0;
  private ackedVersion: string | undefined;
  private lastNack: SdsStats['lastNack'];

  constructor(private readonly options: SdsServerOptions) {
    this.server = new GrpcStreamServer({
      [`${SERVICE}/StreamSecrets`]: (call) => {
        const stream = new SotwSecretStream(this, (m) => call.write(encodeSdsResponse(m)));
        return this.serve(stream, (bytes) => stream.onRequest(decodeSdsRequest(bytes)));
      },
      [`${SERVICE}/DeltaSecrets`]: (call) => {
        const stream = new DeltaSecretStream(this, (m) => call.write(encodeSdsDeltaResponse(m)));
        return this.serve(stream, (bytes) => stream.onRequest(decodeSdsDeltaRequest(bytes)));
      },
    });
  }

  async listen(): Promise<void> {
    // A socket left by a crashed agent would make bind fail.
    await rm(this.options.socketPath, { force: true });
    await this.server.listen(this.options.socketPath);
    // Only processes of this user (Envoy) may ask for the private key.
    await chmod(this.options.socketPath, 0o600);
  }

  /** Publishes a new certificate (or bundle) and pushes it to every connected proxy. */
  update(secrets: WorkloadSecrets): void {
    this.latest = { version: String(++this.generation), secrets: encodeSecrets(secrets) };
    for (const s of this.streams) s.onNewVersion();
  }

  current() {
    return this.latest;
  }

  acked(version: string): void {
    if (this.ackedVersion === undefined || Number(version) > Number(this.ackedVersion)) this.ackedVersion = version;
  }

  nacked(version: string, message: string): void {
    this.lastNack = { version, message };
    this.options.onNack?.(version, message);
  }

  stats(): SdsStats {
    return { version: this.latest?.version, ackedVersion: this.ackedVersion, lastNack: this.lastNack, streams: this.streams.size };
  }

  async close(): Promise<void> {
    await this.server.close();
    await rm(this.options.socketPath, { force: true });
  }

  private serve(stream: SotwSecretStream | DeltaSecretStream, message: (bytes: Uint8Array) => void): GrpcCallHandler {
    this.streams.add(stream);
    return { message, closed: () => this.streams.delete(stream) };
  }
}
