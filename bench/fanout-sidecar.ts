// One simulated Envoy sidecar on one ADS stream, subscribing the way Envoy does: CDS wildcard;
// EDS for every EDS cluster (subscribed before the CDS ACK, unsubscribed when the cluster goes);
// LDS wildcard only once the clusters are warm; RDS for the route configurations the listeners
// name, once those listeners arrived; VHDS (delta, all virtual hosts) once a route configuration names
// it, as Envoy 1.40 does; every response ACKed; `node` only on a stream's first request.
import type * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import type { Type } from 'protobufjs';
import { fieldNumber, findMessageType } from '../xds-server/protos/index.ts';
import { clusterInfo, listenerInfo, nameOf, versionKey, type ClusterInfo, type ListenerInfo } from './fanout-decode.ts';

export type XdsKind = 'cds' | 'eds' | 'lds' | 'rds' | 'vhds';
export const TYPE_URLS: Record<XdsKind, string> = {
  cds: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  eds: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
  lds: 'type.googleapis.com/envoy.config.listener.v3.Listener',
  rds: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
  vhds: 'type.googleapis.com/envoy.config.route.v3.VirtualHost',
};
const KINDS = new Map(Object.entries(TYPE_URLS).map(([k, url]) => [url, k as XdsKind]));
const ADS = '/envoy.service.discovery.v3.AggregatedDiscoveryService';
const raw = (b: Buffer) => b;
/** Envoy's gRPC mux retry: jittered exponential backoff from 500 ms up to 30 s. */
const BACKOFF = { baseMs: 500, maxMs: 30_000 };

let codec: (Record<'sotwReq' | 'sotwRes' | 'deltaReq' | 'deltaRes', Type> & Record<'sotwNodeField' | 'deltaNodeField', number>) | undefined;
function codecs() {
  const t = (name: string) => {
    const type = findMessageType(`envoy.service.discovery.v3.${name}`);
    if (!type) throw new Error(`${name} is not in the loaded protos`);
    return type;
  };
  return (codec ??= {
    sotwReq: t('DiscoveryRequest'),
    sotwRes: t('DiscoveryResponse'),
    deltaReq: t('DeltaDiscoveryRequest'),
    deltaRes: t('DeltaDiscoveryResponse'),
    sotwNodeField: fieldNumber('envoy.service.discovery.v3.DiscoveryRequest', 'node'),
    deltaNodeField: fieldNumber('envoy.service.discovery.v3.DeltaDiscoveryRequest', 'node'),
  });
}

interface AnyMessage {
  type_url: string;
  value: Uint8Array;
}
interface SotwResponse {
  version_info: string;
  resources: AnyMessage[];
  type_url: string;
  nonce: string;
}
interface DeltaResponse {
  resources: { name: string; version: string; resource?: AnyMessage }[];
  type_url: string;
  removed_resources: string[];
  nonce: string;
}

let vhdsField: number | undefined;
/** Whether an encoded RouteConfiguration names VHDS (its virtual hosts then come as resources of their own). */
function namesVhds(bytes: Uint8Array): boolean {
  vhdsField ??= fieldNumber('envoy.config.route.v3.RouteConfiguration', 'vhds');
  const reader = protobuf.Reader.create(bytes);
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag >>> 3 === vhdsField) return true;
    reader.skipType(tag & 7);
  }
  return false;
}

const byName = <T extends { name: string }>(items: T[]) => new Map(items.map((i) => [i.name, i]));

export interface SidecarOptions {
  protocol: 'delta' | 'sotw';
  /** envoy.config.core.v3.Node, encoded, in parts that concatenate into one message (this sidecar's, then what every Envoy adds). */
  node: Uint8Array[];
  channel: grpc.Client;
  /** Every response, with its size on the wire (before HTTP/2 framing). */
  onResponse(bytes: number): void;
  /** Once: CDS, EDS of every EDS cluster, LDS and RDS of every named route configuration ACKed. */
  onWarm(): void;
  /** A stream that failed or ended, with gRPC's code and details (the sidecar reconnects). */
  onStreamLost(why: string): void;
}

export class SimulatedSidecar {
  reconnects = 0;
  private call: grpc.ClientDuplexStream<Buffer, Buffer> | undefined;
  private firstOnStream = true;
  private stopped = false;
  private warm = false;
  private failures = 0;
  private clusters = new Map<string, ClusterInfo>();
  private listeners = new Map<string, ListenerInfo>();
  /** What the server was asked for (EDS/RDS) and what arrived of it. */
  private readonly subscribed = { eds: new Set<string>(), rds: new Set<string>() };
  private readonly have = { eds: new Set<string>(), rds: new Set<string>() };
  private readonly acked = { cds: false, lds: false, vhds: false };
  private ldsStarted = false;
  private vhdsStarted = false;
  /** State of the world: last accepted version and last nonce per type. */
  private readonly versions = new Map<XdsKind, string>();
  private readonly nonces = new Map<XdsKind, string>();
  /** Delta: name → version held, for `initial_resource_versions` on reconnect. */
  private readonly held: Record<XdsKind, Map<string, string>> = { cds: new Map(), eds: new Map(), lds: new Map(), rds: new Map(), vhds: new Map() };

  constructor(private readonly o: SidecarOptions) {}

  start(): void {
    const path = `${ADS}/${this.o.protocol === 'delta' ? 'DeltaAggregatedResources' : 'StreamAggregatedResources'}`;
    const call = this.o.channel.makeBidiStreamRequest(path, raw, raw);
    this.call = call;
    this.firstOnStream = true;
    this.nonces.clear();
    call.on('data', (bytes: Buffer) => {
      this.failures = 0;
      this.o.onResponse(bytes.length);
      if (this.o.protocol === 'delta') this.onDelta(codecs().deltaRes.decode(bytes) as unknown as DeltaResponse);
      else this.onSotw(codecs().sotwRes.decode(bytes) as unknown as SotwResponse);
    });
    call.on('error', (err: grpc.ServiceError) => this.retry(call, `${err.code} ${err.details}`));
    call.on('end', () => this.retry(call, 'ended by the server'));
    // A new stream asks again for everything it holds (none on the first).
    this.request('cds');
    if (this.subscribed.eds.size) this.request('eds');
    if (this.ldsStarted) this.request('lds');
    if (this.subscribed.rds.size) this.request('rds');
    if (this.vhdsStarted) this.request('vhds');
  }

  stop(): void {
    this.stopped = true;
    this.call?.cancel();
  }

  private retry(call: grpc.ClientDuplexStream<Buffer, Buffer>, why: string): void {
    if (this.stopped || call !== this.call) return;
    this.call = undefined;
    this.reconnects++;
    this.o.onStreamLost(why);
    const ceiling = Math.min(BACKOFF.maxMs, BACKOFF.baseMs * 2 ** this.failures++);
    setTimeout(() => this.stopped || this.start(), Math.random() * ceiling);
  }

  private write(message: Record<string, unknown>): void {
    if (!this.call) return;
    const type = this.o.protocol === 'delta' ? codecs().deltaReq : codecs().sotwReq;
    const body = type.encode(type.fromObject(message)).finish();
    if (!this.firstOnStream) {
      this.call.write(body as Buffer);
      return;
    }
    this.firstOnStream = false;
    // The node field appended to the encoded request: fields may come in any order on the wire.
    const field = this.o.protocol === 'delta' ? codecs().deltaNodeField : codecs().sotwNodeField;
    const length = this.o.node.reduce((a, p) => a + p.length, 0);
    const header = protobuf.Writer.create().uint32((field << 3) | 2).uint32(length).finish();
    this.call.write(Buffer.concat([body, header, ...this.o.node]));
  }

  /** The first request of a type on this stream (wildcard for CDS/LDS). */
  private request(kind: XdsKind): void {
    const names = kind === 'eds' || kind === 'rds' ? [...this.subscribed[kind]] : [];
    if (this.o.protocol === 'sotw') this.writeSotw(kind);
    else this.write({ type_url: TYPE_URLS[kind], resource_names_subscribe: names, initial_resource_versions: Object.fromEntries(this.held[kind]) });
  }

  /** State of the world: a request is the whole subscription with the last version and nonce (an ACK or a new subscription). */
  private writeSotw(kind: XdsKind): void {
    const names = kind === 'eds' || kind === 'rds' ? [...this.subscribed[kind]] : [];
    this.write({ type_url: TYPE_URLS[kind], resource_names: names, version_info: this.versions.get(kind) ?? '', response_nonce: this.nonces.get(kind) ?? '' });
  }

  private onSotw(r: SotwResponse): void {
    const kind = KINDS.get(r.type_url);
    if (!kind) return;
    if (kind === 'cds') this.clusters = byName(r.resources.map((a) => clusterInfo(a.value, versionKey(a.value))));
    else if (kind === 'lds') this.listeners = byName(r.resources.map((a) => listenerInfo(a.value, versionKey(a.value))));
    else if (kind !== 'vhds') for (const a of r.resources) this.have[kind].add(nameOf(a.value));
    this.versions.set(kind, r.version_info);
    this.nonces.set(kind, r.nonce);
    this.afterUpdate(kind);
    this.writeSotw(kind);
    this.progress(kind);
  }

  private onDelta(r: DeltaResponse): void {
    const kind = KINDS.get(r.type_url);
    if (!kind) return;
    for (const res of r.resources) {
      this.held[kind].set(res.name, res.version);
      const value = res.resource?.value ?? new Uint8Array();
      if (kind === 'cds') this.clusters.set(res.name, clusterInfo(value, versionKey(value, res.version, res.name)));
      else if (kind === 'lds') this.listeners.set(res.name, listenerInfo(value, versionKey(value, res.version, res.name)));
      else if (kind !== 'vhds') this.have[kind].add(res.name);
      if (kind === 'rds' && !this.vhdsStarted && namesVhds(value)) {
        this.vhdsStarted = true;
        this.request('vhds');
      }
    }
    for (const name of r.removed_resources) {
      this.held[kind].delete(name);
      if (kind === 'cds') this.clusters.delete(name);
      else if (kind === 'lds') this.listeners.delete(name);
      else if (kind !== 'vhds') this.have[kind].delete(name);
    }
    this.afterUpdate(kind);
    this.write({ type_url: r.type_url, response_nonce: r.nonce });
    this.progress(kind);
  }

  /** New clusters and listeners change what EDS and RDS are asked for, before the update is ACKed (as Envoy's paused mux does). */
  private afterUpdate(kind: XdsKind): void {
    if (kind === 'cds') this.resubscribe('eds', new Set([...this.clusters.values()].flatMap((c) => (c.edsName ? [c.edsName] : []))));
    if (kind === 'lds') this.resubscribe('rds', new Set([...this.listeners.values()].flatMap((l) => l.routes)));
  }

  private resubscribe(kind: 'eds' | 'rds', wanted: Set<string>): void {
    const current = this.subscribed[kind];
    const added = [...wanted].filter((n) => !current.has(n));
    const removed = [...current].filter((n) => !wanted.has(n));
    if (!added.length && !removed.length) return;
    this.subscribed[kind] = wanted;
    for (const n of removed) {
      this.have[kind].delete(n);
      this.held[kind].delete(n);
    }
    if (this.o.protocol === 'sotw') this.writeSotw(kind);
    else this.write({ type_url: TYPE_URLS[kind], resource_names_subscribe: added, resource_names_unsubscribe: removed });
  }

  private progress(kind: XdsKind): void {
    if (kind === 'cds' || kind === 'lds' || kind === 'vhds') this.acked[kind] = true;
    const complete = (k: 'eds' | 'rds') => [...this.subscribed[k]].every((n) => this.have[k].has(n));
    // Envoy starts LDS once the cluster manager is initialized: CDS accepted and every EDS cluster warmed.
    if (!this.ldsStarted && this.acked.cds && complete('eds')) {
      this.ldsStarted = true;
      this.request('lds');
    }
    if (!this.warm && this.acked.cds && this.acked.lds && complete('eds') && complete('rds') && (!this.vhdsStarted || this.acked.vhds)) {
      this.warm = true;
      this.o.onWarm();
    }
  }
}
