import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort, PortAllocator, portSlice } from './ports.ts';

function listen(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(port, '127.0.0.1', () => resolve(srv));
  });
}

/** Listens on the first of three free ports in a row, searching `range` from its top. */
async function listenOnThreeFree(range: { low: number; high: number }): Promise<net.Server> {
  for (let port = range.high - 3; port >= range.low; port -= 3) {
    let srv: net.Server;
    try {
      srv = await listen(port);
    } catch {
      continue;
    }
    const others = await Promise.all([port + 1, port + 2].map((p) => listen(p).then((s) => (s.close(), true), () => false)));
    if (others.every(Boolean)) return srv;
    srv.close();
  }
  throw new Error(`no three free ports in a row in ${range.low}-${range.high - 1}`);
}

describe('test ports', () => {
  it('gives each test worker its own slice, all below the ephemeral range', () => {
    const slices = [0, 1, 2, 3, 4, 5, 6, 7].map((id) => portSlice(id, 32_768));
    for (const [i, s] of slices.entries()) {
      expect(s.low).toBeGreaterThanOrEqual(10_000);
      expect(s.high).toBeLessThanOrEqual(32_768);
      expect(s.high - s.low).toBeGreaterThan(2_000);
      if (i > 0) expect(s.low).toBeGreaterThanOrEqual(slices[i - 1]!.high);
    }
    expect(portSlice(9, 32_768)).toEqual(portSlice(1, 32_768));
    expect(portSlice(Number.NaN, 32_768)).toEqual(portSlice(0, 32_768));
  });

  it('skips a port something listens on and never hands one out twice, wrapping around the range', async () => {
    // Three ports of this worker's slice, below the ephemeral range: a port next to one the kernel
    // picked (listen on 0) can be any outgoing connection's source port in a loaded run.
    const probe = await listenOnThreeFree(portSlice());
    const busy = (probe.address() as net.AddressInfo).port;
    const allocator = new PortAllocator({ low: busy, high: busy + 3 }, busy);
    try {
      const got = [await allocator.take(), await allocator.take()];
      expect(got).not.toContain(busy);
      expect(new Set(got).size).toBe(2);
      await expect(allocator.take()).rejects.toThrow(`no free port left in ${busy}-${busy + 2}`);
    } finally {
      probe.close();
    }
  });

  it('hands out ports a server can listen on, below the ephemeral range', async () => {
    const ports = await Promise.all([freePort(), freePort(), freePort()]);
    expect(new Set(ports).size).toBe(3);
    for (const port of ports) {
      expect(port).toBeLessThan(32_768);
      (await listen(port)).close();
    }
  });
});
