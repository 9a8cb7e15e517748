import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort, waitFor } from '../../test/support/ports.ts';
import { ENVOY_BIN } from '../../test/support/tools.ts';
import { EnvoyBannerFilter } from './envoy-log-filter.ts';
import { EnvoySupervisor } from './envoy-supervisor.ts';

const logger = pino({ level: process.env.TRELLIS_TEST_LOG ?? 'silent' });
let dir: string;
let supervisor: EnvoySupervisor | undefined;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-supervisor-'));
});
afterEach(async () => {
  await supervisor?.stop();
  supervisor = undefined;
  rmSync(dir, { recursive: true, force: true });
});

function supervise(adminPort: number, lines: string[]): EnvoySupervisor {
  const bootstrapPath = path.join(dir, 'bootstrap.yaml');
  writeFileSync(bootstrapPath, `admin: { address: { socket_address: { address: 127.0.0.1, port_value: ${adminPort} } } }\n`);
  // Envoy's default info level, as `trellis-agent run` starts it: the banner is printed.
  return new EnvoySupervisor({ envoyPath: ENVOY_BIN, bootstrapPath, adminPort, args: ['--concurrency', '1'], drainMs: 100, backoff: { baseMs: 60_000, maxMs: 60_000 }, logger, output: (line) => lines.push(line) });
}

describe('EnvoySupervisor with a real Envoy', () => {
  it("keeps Envoy's log but not its extension and header-map banner", async () => {
    const lines: string[] = [];
    const adminPort = await freePort();
    supervisor = supervise(adminPort, lines);
    supervisor.start();
    await waitFor(() => supervisor!.live(), 'envoy to be live', 15_000, 50);
    await waitFor(() => lines.some((l) => l.includes('starting main dispatch loop')), 'envoy to log its start', 5_000, 50);
    expect(lines.some((l) => l.includes('initializing epoch'))).toBe(true);
    expect(lines.filter((l) => /statically linked extensions|envoy\.filters\.http:|HTTP header map info|request header map:/.test(l))).toEqual([]);
    expect(lines.length).toBeLessThan(40);
  });

  it('records why Envoy exited, with its last stderr line, and passes its critical error through', async () => {
    const lines: string[] = [];
    const adminPort = await freePort();
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(adminPort, '127.0.0.1', resolve));
    try {
      supervisor = supervise(adminPort, lines);
      supervisor.start();
      await waitFor(async () => supervisor!.lastExit !== undefined, 'envoy to exit', 15_000, 50);
      const exit = supervisor.lastExit!;
      expect(exit.code).toBe(1);
      expect(exit.reason).toBe(`envoy exited 1: cannot bind '127.0.0.1:${adminPort}': Address already in use`);
      expect(exit.stderrTail.length).toBeGreaterThan(0);
      expect(exit.stderrTail.length).toBeLessThanOrEqual(20);
      expect(lines.some((l) => l.includes('[critical]') && l.includes('Address already in use'))).toBe(true);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  it('says when Envoy cannot be started at all', async () => {
    const bootstrapPath = path.join(dir, 'bootstrap.yaml');
    writeFileSync(bootstrapPath, 'admin: {}\n');
    supervisor = new EnvoySupervisor({ envoyPath: path.join(dir, 'no-envoy-here'), bootstrapPath, adminPort: 1, backoff: { baseMs: 60_000, maxMs: 60_000 }, logger, output: () => undefined });
    supervisor.start();
    await waitFor(async () => supervisor!.lastExit !== undefined, 'the failure to be recorded', 5_000, 20);
    expect(supervisor.lastExit!.reason).toMatch(/could not be started: spawn .*no-envoy-here ENOENT$/);
  });
});

describe('EnvoyBannerFilter', () => {
  it('drops indented banner entries but keeps warnings among them and the lines after', () => {
    const filter = new EnvoyBannerFilter();
    const at = (level: string, msg: string) => `[2026-01-01 00:00:00.000][1][${level}][main] [source/server/server.cc:1] ${msg}`;
    const kept = [
      at('info', 'initializing epoch 0'),
      at('info', 'statically linked extensions:'),
      at('info', '  envoy.filters.http: envoy.buffer, envoy.cors'),
      at('warning', '  an indented warning'),
      at('info', '  envoy.tracers: envoy.tracers.zipkin'),
      at('info', 'runtime: {}'),
      at('info', '  indented, but not in a banner'),
    ].filter((l) => filter.keep(l));
    expect(kept).toEqual([at('info', 'initializing epoch 0'), at('warning', '  an indented warning'), at('info', 'runtime: {}'), at('info', '  indented, but not in a banner')]);
  });
});
