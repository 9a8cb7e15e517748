import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { openEmbeddedStore } from '../../core/adapters/embedded/store/index.ts';
import { InProcessBus } from '../../core/adapters/embedded/bus/in-process-bus.ts';
import type { MeshChangeEvent } from '../../core/bus/change-bus.ts';
import type { ConfigStore } from '../../core/store/config-store.ts';
import type { ProxyStatusSource } from '../../core/proxies/proxy-status.ts';
import type { ConvergenceSource } from '../../core/proxies/convergence.ts';
import { openEmbeddedCa, type EmbeddedCertificateAuthority } from '../../core/adapters/embedded/ca/index.ts';
import { openEmbeddedLedger } from '../../core/adapters/embedded/ledger/index.ts';
import type { CredentialLedger } from '../../core/identity/credential-ledger.ts';
import { createApi } from '../app.ts';
import { ensureBootstrap } from '../bootstrap.ts';
import type { ApiLimits } from '../dependencies.ts';
import type { AttestationOptions } from '../attestation/attestation-options.ts';

export const ADMIN_KEY = 'test-admin-key-0123456789abcdef';

export interface ApiHarness {
  app: ReturnType<typeof createApi>;
  store: ConfigStore;
  dir: string;
  events: MeshChangeEvent[];
  ca: EmbeddedCertificateAuthority;
  ledger: CredentialLedger;
  joinTokenSecret: Buffer;
  /** A request with the given key (default: admin) and optional body. */
  call(method: string, path: string, options?: { key?: string | null; body?: unknown; yaml?: string; headers?: Record<string, string> }): Promise<Response>;
  /** Creates a tenant with one key; returns the key. */
  tenant(id: string): Promise<string>;
  close(): Promise<void>;
}

/** The real API over a real embedded store in a temp dir, driven through `app.request`. */
export async function apiHarness(options: { limits?: Partial<ApiLimits>; proxies?: ProxyStatusSource; convergence?: ConvergenceSource; now?: () => Date; attestation?: AttestationOptions } = {}): Promise<ApiHarness> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-api-'));
  const store = await openEmbeddedStore({ dir });
  await ensureBootstrap(store, { bootstrapKey: ADMIN_KEY });
  const bus = new InProcessBus();
  const events: MeshChangeEvent[] = [];
  await bus.subscribe((e) => void events.push(e));
  const ca = await openEmbeddedCa({ dir: path.join(dir, 'ca'), ...(options.now ? { now: options.now } : {}) });
  const ledger = await openEmbeddedLedger({ dir: path.join(dir, 'ledger'), ...(options.now ? { now: options.now } : {}) });
  const joinTokenSecret = Buffer.alloc(32, 7);
  const app = createApi({
    store,
    bus,
    logger: pino({ level: 'silent' }),
    limits: options.limits,
    proxies: options.proxies,
    ...(options.convergence ? { convergence: options.convergence } : {}),
    certificates: { ca, ledger, joinTokenSecrets: [joinTokenSecret], ...(options.attestation ? { attestation: options.attestation } : {}) },
    ...(options.now ? { now: options.now } : {}),
  });

  const call: ApiHarness['call'] = async (method, p, o = {}) => {
    const headers: Record<string, string> = { ...o.headers };
    const key = o.key === undefined ? ADMIN_KEY : o.key;
    if (key !== null) headers.authorization = `Bearer ${key}`;
    let body: string | undefined;
    if (o.yaml !== undefined) {
      body = o.yaml;
      headers['content-type'] ??= 'application/yaml';
    } else if (o.body !== undefined) {
      body = typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
      headers['content-type'] ??= 'application/json';
    }
    return app.request(p, { method, headers, body });
  };

  return {
    app,
    store,
    dir,
    events,
    ca,
    ledger,
    joinTokenSecret,
    call,
    async tenant(id) {
      const created = await call('POST', '/v1/tenants', { body: { id } });
      if (created.status !== 201) throw new Error(`tenant ${id}: ${created.status} ${await created.text()}`);
      const key = await call('POST', `/v1/tenants/${id}/api-keys`, { body: {} });
      return ((await key.json()) as { key: string }).key;
    },
    async close() {
      await ledger.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
