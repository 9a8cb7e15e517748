import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { CLUSTER_TYPE_URL, findMessageType } from '../protos/index.ts';
import { byName, staticCluster } from './testing/envoy-resources.ts';
import { useTestServer } from './testing/use-test-server.ts';

const ADS = '/envoy.service.discovery.v3.AggregatedDiscoveryService';
const raw = (b: Buffer) => b;

/** An ADS stream that writes bytes as given, so a test can send what no encoder would. */
function openRaw(port: number, method: 'StreamAggregatedResources' | 'DeltaAggregatedResources') {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const call = client.makeBidiStreamRequest(`${ADS}/${method}`, raw, raw);
  const responses: Buffer[] = [];
  call.on('data', (b: Buffer) => responses.push(b));
  call.on('error', () => undefined);
  const status = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
  return { call, responses, status, close: () => (call.cancel(), client.close()) };
}

function encode(type: string, message: Record<string, unknown>): Buffer {
  const t = findMessageType(`envoy.service.discovery.v3.${type}`)!;
  return Buffer.from(t.encode(t.fromObject(message)).finish());
}

// Wire type 7 does not exist; a string (field 3) whose length runs past the end of the message, which
// protobufjs alone would read as the one byte there is.
const GARBAGE = [Buffer.from([0x0f]), Buffer.from([0x1a, 0x05, 0x61])];

describe('malformed ADS requests', () => {
  const t = useTestServer();

  it('ends a state-of-the-world stream whose first request does not decode with INVALID_ARGUMENT, and serves the next stream', async () => {
    t.server.cache.setResources('scope-a', CLUSTER_TYPE_URL, byName([staticCluster('a', '127.0.0.1', 1)]));
    for (const bytes of GARBAGE) {
      const bad = openRaw(t.server.port, 'StreamAggregatedResources');
      bad.call.write(bytes);
      const status = await bad.status;
      expect(status.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(status.details).toMatch(/^malformed DiscoveryRequest: /);
      expect(bad.responses).toEqual([]);
      bad.close();
    }
    expect(t.server.events.connects).toEqual([]);

    const good = openRaw(t.server.port, 'StreamAggregatedResources');
    good.call.write(encode('DiscoveryRequest', { node: { id: 'p1', cluster: 'scope-a' }, type_url: CLUSTER_TYPE_URL }));
    await expect.poll(() => good.responses.length).toBe(1);
    good.close();
  });

  it('ends a delta stream at a malformed request after its first, leaving other streams of the server as they are', async () => {
    t.server.cache.setResources('scope-a', CLUSTER_TYPE_URL, byName([staticCluster('a', '127.0.0.1', 1)]));
    const subscribe = encode('DeltaDiscoveryRequest', { node: { id: 'p1', cluster: 'scope-a' }, type_url: CLUSTER_TYPE_URL });
    const doomed = openRaw(t.server.port, 'DeltaAggregatedResources');
    const bystander = openRaw(t.server.port, 'DeltaAggregatedResources');
    doomed.call.write(subscribe);
    bystander.call.write(encode('DeltaDiscoveryRequest', { node: { id: 'p2', cluster: 'scope-a' }, type_url: CLUSTER_TYPE_URL }));
    await expect.poll(() => doomed.responses.length + bystander.responses.length).toBe(2);

    doomed.call.write(GARBAGE[1]!);
    const status = await doomed.status;
    expect(status.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(status.details).toMatch(/^malformed DeltaDiscoveryRequest: /);
    expect(t.server.events.disconnects).toMatchObject([{ proxyId: 'p1', reason: 'error', error: status.details }]);

    t.server.cache.setResources('scope-a', CLUSTER_TYPE_URL, byName([staticCluster('a', '127.0.0.1', 1), staticCluster('b', '127.0.0.1', 2)]));
    await expect.poll(() => bystander.responses.length).toBe(2);
    expect(t.server.ads.proxyStatus().map((s) => s.proxyId)).toEqual(['p2']);
    doomed.close();
    bystander.close();
  });
});
