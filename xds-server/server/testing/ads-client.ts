// A plain grpc-js ADS client built by @grpc/proto-loader from the same .proto files: an
// independent decoder for what the server splices together.
import * as grpc from '@grpc/grpc-js';
import type { ClientDuplexStream } from '@grpc/grpc-js';
import { adsPackageDefinition, decodeResource } from '../../protos/index.ts';

type Message = Record<string, unknown>;

export interface AnyMessage {
  type_url: string;
  value: Buffer;
}

export interface SotwResponseMessage {
  version_info: string;
  resources: AnyMessage[];
  type_url: string;
  nonce: string;
  control_plane?: { identifier: string };
}

export interface DeltaResponseMessage {
  system_version_info: string;
  resources: { name: string; version: string; resource: AnyMessage }[];
  type_url: string;
  removed_resources: string[];
  nonce: string;
}

interface AdsClient extends grpc.Client {
  StreamAggregatedResources(): ClientDuplexStream<Message, SotwResponseMessage>;
  DeltaAggregatedResources(): ClientDuplexStream<Message, DeltaResponseMessage>;
}

type AdsClientConstructor = new (address: string, credentials: grpc.ChannelCredentials) => AdsClient;

function clientConstructor(): AdsClientConstructor {
  const loaded = grpc.loadPackageDefinition(adsPackageDefinition()) as unknown as {
    envoy: { service: { discovery: { v3: { AggregatedDiscoveryService: AdsClientConstructor } } } };
  };
  return loaded.envoy.service.discovery.v3.AggregatedDiscoveryService;
}

/** One open ADS stream with a queue of responses to await. */
export class TestStream<Res> {
  private readonly received: Res[] = [];
  private waiting: ((r: Res) => void) | undefined;
  status: grpc.StatusObject | undefined;
  readonly ended: Promise<grpc.StatusObject>;

  constructor(
    private readonly client: grpc.Client,
    private readonly call: ClientDuplexStream<Message, Res>,
  ) {
    call.on('data', (r: Res) => {
      const w = this.waiting;
      this.waiting = undefined;
      if (w) w(r);
      else this.received.push(r);
    });
    this.ended = new Promise((resolve) => {
      call.on('status', (s: grpc.StatusObject) => {
        this.status = s;
        resolve(s);
      });
      call.on('error', () => undefined);
    });
  }

  send(request: Message): void {
    this.call.write(request);
  }

  /** The next response, or a failure after `timeoutMs`. */
  async next(timeoutMs = 2000): Promise<Res> {
    const queued = this.received.shift();
    if (queued) return queued;
    return new Promise<Res>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        reject(new Error(`no response within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting = (r) => {
        clearTimeout(timer);
        resolve(r);
      };
    });
  }

  /** Asserts nothing arrives for `ms`. */
  async expectSilence(ms = 150): Promise<void> {
    await new Promise((r) => setTimeout(r, ms));
    if (this.received.length > 0) throw new Error(`expected no response, got ${JSON.stringify(this.received[0])}`);
  }

  close(): void {
    this.call.cancel();
    this.client.close();
  }
}

export function openSotw(port: number, credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure()): TestStream<SotwResponseMessage> {
  const Client = clientConstructor();
  const client = new Client(`127.0.0.1:${port}`, credentials);
  return new TestStream(client, client.StreamAggregatedResources());
}

export function openDelta(port: number): TestStream<DeltaResponseMessage> {
  const Client = clientConstructor();
  const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return new TestStream(client, client.DeltaAggregatedResources());
}

/** Decodes an Any from a response into object form. */
export function decodeAny(any: AnyMessage): Record<string, unknown> {
  return decodeResource(any.type_url, any.value);
}

export function namesOf(response: SotwResponseMessage): string[] {
  return response.resources.map((r) => {
    const o = decodeAny(r);
    return String(o['name'] ?? o['cluster_name']);
  });
}
