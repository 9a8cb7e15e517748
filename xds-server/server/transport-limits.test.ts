import net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { CLUSTER_TYPE_URL, findMessageType } from '../protos/index.ts';
import { byName, staticCluster } from './testing/envoy-resources.ts';
import { startTestServer, type TestServer } from './testing/test-server.ts';

const ADS = '/envoy.service.discovery.v3.AggregatedDiscoveryService';
const raw = (b: Buffer) => b;

function openRaw(port: number) {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const call = client.makeBidiStreamRequest(`${ADS}/DeltaAggregatedResources`, raw, raw);
  const responses: Buffer[] = [];
  call.on('data', (b: Buffer) => responses.push(b));
  call.on('error', () => undefined);
  const status = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
  return { call, responses, status, close: () => (call.cancel(), client.close()) };
}

function subscribe(nodeId: string, extra: Record<string, unknown> = {}): Buffer {
  const t = findMessageType('envoy.service.discovery.v3.DeltaDiscoveryRequest')!;
  return Buffer.from(t.encode(t.fromObject({ node: { id: nodeId, cluster: 'scope-a' }, type_url: CLUSTER_TYPE_URL, ...extra })).finish());
}

/** A TCP relay that can go silent in both directions without closing: what a vanished host looks like. */
async function startRelay(target: number) {
  const sockets: net.Socket[] = [];
  const server = net.createServer((downstream) => {
    const upstream = net.connect(target, '127.0.0.1');
    sockets.push(downstream, upstream);
    downstream.pipe(upstream);
    upstream.pipe(downstream);
    for (const s of [downstream, upstream]) s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    freeze() {
      for (const s of sockets) {
        s.unpipe();
        s.pause();
      }
    },
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

describe('ADS transport bounds', () => {
  let server: TestServer | undefined;
  const cleanups: (() => void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) c();
    await server?.stop();
    server = undefined;
  });

  it('keeps a connection that answers its keepalive pings, and drops one that stops answering (a vanished host), ending its stream', async () => {
    // The answer timeout leaves room for a loaded machine (a parallel test run) to be slow to read the answer.
    server = await startTestServer({ transport: { keepaliveTimeMs: 100, keepaliveTimeoutMs: 3000 } });
    server.cache.setResources('scope-a', CLUSTER_TYPE_URL, byName([staticCluster('a', '127.0.0.1', 1)]));
    const relay = await startRelay(server.port);
    cleanups.push(() => relay.close());
    const stream = openRaw(relay.port);
    cleanups.push(() => stream.close());
    stream.call.write(subscribe('p1'));
    await expect.poll(() => stream.responses.length).toBe(1);

    // Several ping rounds: answered, so the stream stays.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(server.events.disconnects).toEqual([]);
    expect(server.ads.proxyStatus().map((s) => s.proxyId)).toEqual(['p1']);

    relay.freeze();
    await expect.poll(() => server!.events.disconnects.map((d) => d.proxyId), { timeout: 10_000 }).toEqual(['p1']);
    expect(server.ads.proxyStatus()).toEqual([]);
  });

  it('ends a stream whose request is larger than the bound with RESOURCE_EXHAUSTED, and serves the next stream', async () => {
    server = await startTestServer({ transport: { maxRequestBytes: 64 * 1024 } });
    server.cache.setResources('scope-a', CLUSTER_TYPE_URL, byName([staticCluster('a', '127.0.0.1', 1)]));
    const big = openRaw(server.port);
    cleanups.push(() => big.close());
    // A well-formed request, only too large: 100 KB of resource names.
    big.call.write(subscribe('p1', { resource_names_subscribe: Array.from({ length: 2000 }, (_, i) => `cluster-${i}-${'x'.repeat(40)}`) }));
    const status = await big.status;
    expect(status.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(big.responses).toEqual([]);
    expect(server.events.connects).toEqual([]);

    const good = openRaw(server.port);
    cleanups.push(() => good.close());
    good.call.write(subscribe('p2'));
    await expect.poll(() => good.responses.length).toBe(1);
  });

  it('ends a stream whose unhandled requests pass the queued-bytes bound, and leaves other streams alone', async () => {
    let release: (() => void) | undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    cleanups.push(() => release?.());
    server = await startTestServer({
      limits: { maxQueuedBytes: 512 * 1024 },
      // The slow proxy's first request waits on its identity, so what it sends next queues.
      resolveNode: async (node) => {
        if (node.id === 'slow') await held;
        return { proxyId: node.id, scope: node.cluster };
      },
    });
    server.cache.setResources('scope-a', CLUSTER_TYPE_URL, byName([staticCluster('a', '127.0.0.1', 1)]));
    const slow = openRaw(server.port);
    const other = openRaw(server.port);
    cleanups.push(() => slow.close(), () => other.close());
    slow.call.write(subscribe('slow'));
    const names = (n: number) => Array.from({ length: n }, (_, i) => `cluster-${i}-${'y'.repeat(60)}`);
    for (let i = 0; i < 3; i++) slow.call.write(subscribe('slow', { resource_names_subscribe: names(3000) }));
    const status = await slow.status;
    expect(status.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(status.details).toBe(`requests queued past ${512 * 1024} bytes`);

    other.call.write(subscribe('p2'));
    await expect.poll(() => other.responses.length).toBe(1);
    expect(server.ads.proxyStatus().map((s) => s.proxyId)).toEqual(['p2']);
  });
});
