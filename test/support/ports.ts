import { readFileSync } from 'node:fs';
import net from 'node:net';

/**
 * Ports for test servers come from below the kernel's ephemeral range. A port taken from the
 * ephemeral range (listen on port 0, then close) can be handed to an outgoing connection as its
 * source port before the server meant for it binds, and on a busy machine (many Envoys, clients,
 * moto) that happens: the server then fails to bind and the test waits for traffic that never
 * arrives. Below that range only these allocations hand out ports, each test worker
 * (`VITEST_POOL_ID`) takes its own slice, and a process never hands out one port twice.
 */
const SLICES = 8;

function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 12_000 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

export interface PortRange {
  low: number;
  /** Exclusive. */
  high: number;
}

/** This process's slice of the ports below the ephemeral range, by its test worker id. */
export function portSlice(poolId = Number(process.env.VITEST_POOL_ID ?? 0), below = ephemeralLow()): PortRange {
  const base = 10_000;
  const size = Math.floor((below - base) / SLICES);
  const slice = (Number.isInteger(poolId) && poolId > 0 ? poolId : 0) % SLICES;
  return { low: base + slice * size, high: base + (slice + 1) * size };
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** Hands out ports of one range in turn from `start`, skipping those in use, never one twice. */
export class PortAllocator {
  private readonly handedOut = new Set<number>();
  private next: number;

  constructor(
    private readonly range: PortRange,
    start = range.low + Math.floor(Math.random() * (range.high - range.low)),
  ) {
    this.next = start;
  }

  async take(): Promise<number> {
    const { low, high } = this.range;
    for (let tried = 0; tried < high - low; tried++) {
      const port = this.next;
      this.next = port + 1 >= high ? low : port + 1;
      if (this.handedOut.has(port)) continue;
      if (await canListen(port)) {
        this.handedOut.add(port);
        return port;
      }
    }
    throw new Error(`no free port left in ${low}-${high - 1}`);
  }
}

let allocator: PortAllocator | undefined;

/** A TCP port on 127.0.0.1 that was free a moment ago, below the ephemeral range, never the same twice in this process. */
export function freePort(): Promise<number> {
  allocator ??= new PortAllocator(portSlice());
  return allocator.take();
}

/** Polls `check` every `intervalMs` until it returns true or `timeoutMs` passes. */
export async function waitFor(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 15_000, intervalMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
}
