// Child process of bench/fanout.ts: many lightweight ADS clients (half delta, half SotW) that
// behave like Envoy (wildcard CDS/LDS, EDS for every outbound cluster, RDS for the outbound
// listener) and report, after a mark, when each ACKs a new route configuration.
import * as grpc from '@grpc/grpc-js';
import { adsPackageDefinition } from '../xds-server/protos/index.ts';

interface Config {
  xds: string;
  first: number;
  count: number;
  meshes: number;
}

const cfg = JSON.parse(process.env.FANOUT_CLIENT ?? '{}') as Config;
const T = {
  cds: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  eds: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
  lds: 'type.googleapis.com/envoy.config.listener.v3.Listener',
  rds: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
};

type Stream = grpc.ClientDuplexStream<Record<string, unknown>, Record<string, unknown>>;
interface AdsClient extends grpc.Client {
  StreamAggregatedResources(): Stream;
  DeltaAggregatedResources(): Stream;
}
const Ads = (grpc.loadPackageDefinition(adsPackageDefinition()) as unknown as { envoy: { service: { discovery: { v3: { AggregatedDiscoveryService: new (a: string, c: grpc.ChannelCredentials, o: object) => AdsClient } } } } }).envoy.service.discovery.v3.AggregatedDiscoveryService;

/** Field 1 of a resource (its name) read straight from the bytes: no full decode per client. */
function nameOf(bytes: Buffer): string {
  if (bytes[0] !== 0x0a) return '';
  let len = 0;
  let shift = 0;
  let i = 1;
  for (; i < bytes.length; i++) {
    len |= (bytes[i]! & 0x7f) << shift;
    if (!(bytes[i]! & 0x80)) break;
    shift += 7;
  }
  return bytes.subarray(i + 1, i + 1 + len).toString();
}

let mark = -1n;
let targetMesh = -1;
let connected = 0;
/** Responses received after the mark by clients of meshes other than the changed one. */
let otherMeshResponses = 0;
const ready = new Set<number>();
const acked: { mesh: number; at: string }[] = [];
const channels: AdsClient[] = [];

/** JSON → google.protobuf.Struct in proto-loader's object form (its bundled Struct is camelCase). */
function toValue(v: unknown): Record<string, unknown> {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'number') return { numberValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  return { structValue: toStruct(v as Record<string, unknown>) };
}
function toStruct(o: Record<string, unknown>): Record<string, unknown> {
  return { fields: Object.fromEntries(Object.entries(o).map(([k, v]) => [k, toValue(v)])) };
}

function node(i: number) {
  const mesh = i % cfg.meshes;
  return {
    id: `bench-${i}`,
    cluster: 'bench',
    metadata: toStruct({
      TRELLIS_MESH: `mesh-${mesh}`,
      NAMESPACE: 'bench',
      WORKLOAD_NAME: `app-${i % 10}`,
      SERVICE_ACCOUNT: 'bench',
      LABELS: { app: `app-${i % 10}` },
      AUTO_REGISTER: false,
    }),
  };
}

function channelFor(i: number): AdsClient {
  const idx = Math.floor((i - cfg.first) / 100);
  channels[idx] ??= new Ads(cfg.xds, grpc.credentials.createInsecure(), { 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
  return channels[idx]!;
}

function onResponse(mesh: number): void {
  if (mark >= 0n && mesh !== targetMesh) otherMeshResponses++;
}

function onRdsAck(i: number, mesh: number): void {
  ready.add(i);
  if (mark >= 0n && mesh === targetMesh) acked.push({ mesh, at: process.hrtime.bigint().toString() });
}

function startSotw(i: number): void {
  const mesh = i % cfg.meshes;
  const call = channelFor(i).StreamAggregatedResources();
  const sent = new Map<string, string[]>();
  const req = (type_url: string, names: string[], version_info = '', response_nonce = '') => {
    sent.set(type_url, names);
    call.write({ node: node(i), type_url, resource_names: names, version_info, response_nonce });
  };
  call.on('data', (r: { type_url: string; version_info: string; nonce: string; resources: { value: Buffer }[] }) => {
    onResponse(mesh);
    req(r.type_url, sent.get(r.type_url) ?? [], r.version_info, r.nonce);
    if (r.type_url === T.cds) {
      const names = r.resources.map((x) => nameOf(x.value)).filter((n) => n.startsWith('outbound|'));
      if (names.join() !== (sent.get(T.eds) ?? []).join()) req(T.eds, names);
    } else if (r.type_url === T.lds && !sent.has(T.rds)) req(T.rds, ['outbound|http']);
    else if (r.type_url === T.rds) onRdsAck(i, mesh);
  });
  call.on('error', (err) => { if (process.env.FANOUT_DEBUG) console.error('stream error', i, err.message); });
  req(T.cds, []);
  req(T.lds, []);
  connected++;
}

function startDelta(i: number): void {
  const mesh = i % cfg.meshes;
  const call = channelFor(i).DeltaAggregatedResources();
  const eds = new Set<string>();
  let rds = false;
  const sub = (type_url: string, names: string[]) => call.write({ node: node(i), type_url, resource_names_subscribe: names });
  call.on('data', (r: { type_url: string; nonce: string; resources: { name: string }[] }) => {
    onResponse(mesh);
    call.write({ type_url: r.type_url, response_nonce: r.nonce });
    if (r.type_url === T.cds) {
      const fresh = r.resources.map((x) => x.name).filter((n) => n.startsWith('outbound|') && !eds.has(n));
      fresh.forEach((n) => eds.add(n));
      if (fresh.length) sub(T.eds, fresh);
    } else if (r.type_url === T.lds && !rds) {
      rds = true;
      sub(T.rds, ['outbound|http']);
    } else if (r.type_url === T.rds) onRdsAck(i, mesh);
  });
  call.on('error', (err) => { if (process.env.FANOUT_DEBUG) console.error('stream error', i, err.message); });
  sub(T.cds, ['*']);
  sub(T.lds, ['*']);
  connected++;
}

process.on('message', (m: { cmd: string; mesh?: number }) => {
  if (m.cmd === 'start') {
    for (let i = cfg.first; i < cfg.first + cfg.count; i++) (i % 2 === 0 ? startDelta : startSotw)(i);
    process.send?.({ cmd: 'started', connected });
  } else if (m.cmd === 'mark') {
    mark = process.hrtime.bigint();
    targetMesh = m.mesh ?? 0;
    otherMeshResponses = 0;
    acked.length = 0;
    process.send?.({ cmd: 'marked' });
  } else if (m.cmd === 'report') {
    process.send?.({ cmd: 'report', ready: ready.size, acked, otherMeshResponses });
  } else if (m.cmd === 'stop') {
    for (const c of channels) c?.close();
    process.exit(0);
  }
});
