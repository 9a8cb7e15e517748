import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ResourceCache } from '../cache/index.ts';
import { CLUSTER_TYPE_URL } from '../protos/index.ts';
import { AdsServer } from './ads-server.ts';
import { joinHostPort, LISTEN_BACKLOG, listenAds, splitHostPort, type ListeningAds } from './listen.ts';
import { namesOf, openSotw } from './testing/ads-client.ts';
import { byName, staticCluster } from './testing/envoy-resources.ts';

function adsServer(cache: ResourceCache): AdsServer {
  return new AdsServer({ cache, controlPlaneId: 'listen-test', resolveNode: (node) => ({ proxyId: node.id, scope: node.cluster }) });
}

/** The backlog of the socket listening on `port`, as the kernel reports it (`ss`: Send-Q of a LISTEN socket). */
function kernelBacklogs(port: number): number[] {
  const out = execFileSync('ss', ['-Hltn', `( sport = :${port} )`], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => Number(l.trim().split(/\s+/)[2]));
}

async function clustersFrom(port: number): Promise<string[]> {
  const stream = openSotw(port);
  try {
    stream.send({ node: { id: 'p', cluster: 'scope-a' }, type_url: CLUSTER_TYPE_URL });
    return namesOf(await stream.next());
  } finally {
    stream.close();
  }
}

describe('splitHostPort', () => {
  it('reads host:port and a bracketed IPv6 host', () => {
    expect(splitHostPort('0.0.0.0:18000')).toEqual({ host: '0.0.0.0', port: 18000 });
    expect(splitHostPort('localhost:0')).toEqual({ host: 'localhost', port: 0 });
    expect(splitHostPort('[::1]:65535')).toEqual({ host: '::1', port: 65535 });
  });

  it.each(['', '18000', 'host', 'host:', ':18000', 'host:65536', 'host:123456', '::1:18000', '[::1]', 'host:80:80', 'host:-1'])('refuses %j, naming the address', (address) => {
    expect(() => splitHostPort(address)).toThrow(/is not host:port/);
  });

  it('reads back what joinHostPort writes, an IPv6 host bracketed', () => {
    for (const host of ['0.0.0.0', '::', '::1', 'fd00::7', 'xds.internal']) expect(splitHostPort(joinHostPort(host, 18000))).toEqual({ host, port: 18000 });
    expect(joinHostPort('::', 18000)).toBe('[::]:18000');
  });

  it('refuses a 100,000-character address at once', () => {
    expect(() => splitHostPort(`${'a'.repeat(100_000)}:1:`)).toThrow(/is not host:port/);
  });
});

describe('listenAds', () => {
  const running: ListeningAds[] = [];
  afterEach(async () => {
    for (const l of running.splice(0)) await l.stop();
  });

  it('listens with a backlog of 4,096 (as far as the kernel allows), not Node default 511', async () => {
    const listening = await listenAds(adsServer(new ResourceCache()), '127.0.0.1:0');
    running.push(listening);
    const somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8'));
    expect(kernelBacklogs(listening.port)).toEqual([Math.min(LISTEN_BACKLOG, somaxconn)]);
  });

  it('serves a name on every address it resolves to, on one port', async () => {
    const cache = new ResourceCache();
    cache.setResources('scope-a', CLUSTER_TYPE_URL, byName([staticCluster('a', '127.0.0.1', 1)]));
    const listening = await listenAds(adsServer(cache), 'localhost:0');
    running.push(listening);
    const addresses = (await lookup('localhost', { all: true })).map((a) => a.address);
    expect(kernelBacklogs(listening.port)).toHaveLength(addresses.length);
    expect(await clustersFrom(listening.port)).toEqual(['a']);
  });

  it('refuses a port in use, and leaves nothing listening', async () => {
    const first = await listenAds(adsServer(new ResourceCache()), '127.0.0.1:0');
    running.push(first);
    await expect(listenAds(adsServer(new ResourceCache()), `127.0.0.1:${first.port}`)).rejects.toThrow(/EADDRINUSE/);
    expect(kernelBacklogs(first.port)).toHaveLength(1);
  });

  it('refuses a malformed address before listening anywhere', async () => {
    await expect(listenAds(adsServer(new ResourceCache()), 'nonsense')).rejects.toThrow(/"nonsense" is not host:port/);
  });

  it('ends its streams and frees its port on stop, so the next server takes the port at once', async () => {
    const cache = new ResourceCache();
    cache.setResources('scope-a', CLUSTER_TYPE_URL, byName([staticCluster('a', '127.0.0.1', 1)]));
    const first = await listenAds(adsServer(cache), '127.0.0.1:0');
    const stream = openSotw(first.port);
    stream.send({ node: { id: 'p', cluster: 'scope-a' }, type_url: CLUSTER_TYPE_URL });
    await stream.next();
    await first.stop();
    expect((await stream.ended).code).toBe(14);
    stream.close();

    const second = await listenAds(adsServer(cache), `127.0.0.1:${first.port}`);
    running.push(second);
    expect(second.port).toBe(first.port);
    expect(await clustersFrom(second.port)).toEqual(['a']);
  });

  it('lets a connection that never speaks HTTP/2 go without harming the others', async () => {
    const cache = new ResourceCache();
    cache.setResources('scope-a', CLUSTER_TYPE_URL, byName([staticCluster('a', '127.0.0.1', 1)]));
    const listening = await listenAds(adsServer(cache), '127.0.0.1:0');
    running.push(listening);
    const junk = net.connect(listening.port, '127.0.0.1');
    junk.on('error', () => undefined);
    junk.resume();
    const closed = new Promise<void>((resolve) => junk.once('close', () => resolve()));
    await new Promise<void>((resolve) => junk.once('connect', () => resolve()));
    junk.write(Buffer.alloc(64 * 1024, 0xff));
    await closed;
    expect(await clustersFrom(listening.port)).toEqual(['a']);
  });
});
