import { afterEach, describe, expect, it } from 'vitest';
import { InMemoryFleetStatus } from '../../core/adapters/embedded/fleet/index.ts';
import { FleetProxyStatus, type ProxyStatusRecord } from '../../core/fleet/index.ts';
import { apiHarness, ADMIN_KEY, type ApiHarness } from '../../functions/testing/api-harness.ts';
import { ApiClient } from '../api-client.ts';
import { CliError } from '../cli-error.ts';
import { ExitCode } from '../exit-codes.ts';
import { syncReporter } from './sync-reporter.ts';
import { waitForSync, type WaitOptions } from './wait-for-sync.ts';

// waitForSync against the real API (through app.request), reading proxies from a fleet store as in AWS.
let api: ApiHarness | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

function record(proxyId: string, revision: number, state: 'SYNCED' | 'STALE' = 'SYNCED'): ProxyStatusRecord {
  const now = new Date();
  return {
    proxyId,
    tenantId: 'default',
    mesh: 'demo',
    protocol: 'delta',
    connectedAt: now.toISOString(),
    revision,
    types: { cds: { sent: 'c2', ...(state === 'SYNCED' ? { acked: 'c2' } : { acked: 'c1' }), state } },
    replica: 'replica-1',
    updatedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + 60_000).toISOString(),
  };
}

async function setup(options: { source?: boolean } = {}) {
  const fleet = new InMemoryFleetStatus();
  api = await apiHarness(options.source === false ? {} : { proxies: new FleetProxyStatus({ fleet, store: { getRevision: async () => undefined } }) });
  await api.call('PUT', '/v1/meshes/demo', { body: {} });
  const harness = api;
  const client = new ApiClient({ server: 'http://trellis.test', apiKey: ADMIN_KEY, fetch: async (input, init) => harness.app.request(input instanceof URL ? input.href : input, init) });
  let printed = '';
  const reporter = syncReporter({ write: (s: string) => (printed += s) });
  const wait = (revision: number, options: Partial<WaitOptions> = {}) => waitForSync(client, 'demo', revision, { timeoutMs: 2_000, intervalMs: 10, emptyGraceMs: 200, reporter, ...options });
  return { fleet, wait, printed: () => printed };
}

/** What a call rejected with; fails the test if it resolved. */
async function rejection(call: Promise<unknown>): Promise<CliError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CliError);
  return error as CliError;
}

describe('waitForSync', () => {
  it('exits 10, saying nothing could be observed, when no proxy is connected to the mesh', async () => {
    const t = await setup();
    const started = Date.now();

    const error = await rejection(t.wait(3));

    expect(error.exitCode).toBe(ExitCode.NoProxies);
    expect(ExitCode.NoProxies).toBe(10);
    expect(error.message).toBe('no proxy is connected to mesh demo, so nothing could be observed: revision 3 is stored, but no proxy was seen to take it');
    expect(error.hint).toMatch(/--allow-empty/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    // Never a "0/0 synced" line that reads like success.
    expect(t.printed()).toBe('');
  });

  it('succeeds with 0 of 0 at once for a mesh meant to be empty (--allow-empty)', async () => {
    const t = await setup();

    const done = await t.wait(3, { allowEmpty: true });

    expect(done).toMatchObject({ synced: 0, total: 0 });
    expect(done.elapsedMs).toBeLessThan(200);
  });

  it('waits through the grace period for a proxy whose replica has not reported it yet', async () => {
    const t = await setup();
    setTimeout(() => void t.fleet.put([record('web-1', 3)]), 80);

    const done = await t.wait(3);

    expect(done).toMatchObject({ synced: 1, total: 1 });
    expect(t.printed()).toBe('proxies synced 1/1\n');
  });

  it('exits 10 after the timeout when it is shorter than the grace period', async () => {
    const t = await setup();

    const error = await rejection(t.wait(3, { timeoutMs: 50, emptyGraceMs: 5_000 }));

    expect(error.exitCode).toBe(ExitCode.NoProxies);
  });

  it('reports the proxies synced once every connected one holds the revision', async () => {
    const t = await setup();
    await t.fleet.put([record('web-1', 3, 'STALE'), record('web-2', 4)]);
    setTimeout(() => void t.fleet.put([record('web-1', 3)]), 50);

    const done = await t.wait(3);

    expect(done).toMatchObject({ synced: 2, total: 2 });
    expect(t.printed()).toBe('proxies synced 1/2\nproxies synced 2/2\n');
  });

  it('times out with exit 6 listing the proxies still behind', async () => {
    const t = await setup();
    await t.fleet.put([record('web-1', 2)]);

    const error = await rejection(t.wait(3, { timeoutMs: 100 }));

    expect(error.exitCode).toBe(ExitCode.WaitTimeout);
    expect(error.fieldErrors).toEqual([{ path: 'web-1', message: 'at revision 2' }]);
  });

  it('fails (exit 1) with the API saying it cannot observe proxies where no source is wired, never success', async () => {
    const t = await setup({ source: false });

    const error = await rejection(t.wait(3, { allowEmpty: true }));

    expect(error.exitCode).toBe(ExitCode.Failure);
    expect(error.message).toMatch(/^This deployment cannot observe proxies/);
  });
});
