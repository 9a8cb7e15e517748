import { InMemoryCloudMapLeases, InMemoryWorkloadRegistry } from '../core/adapters/embedded/registry/index.ts';
import { InMemorySignals } from '../core/adapters/embedded/signals/in-memory-signals.ts';
import { mkdirSync, writeFileSync, chmodSync } from 'node:fs';
import path from 'node:path';
import { serve } from '@hono/node-server';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { ConfigStore } from '../core/store/config-store.ts';
import type { ChangeBus } from '../core/bus/change-bus.ts';
import type { AddressInfo } from 'node:net';
import { openEmbeddedStore } from '../core/adapters/embedded/store/index.ts';
import { InProcessBus } from '../core/adapters/embedded/bus/in-process-bus.ts';
import { openEmbeddedCa, type EmbeddedCertificateAuthority } from '../core/adapters/embedded/ca/index.ts';
import { loadOrCreateJoinTokenSecret, openEmbeddedLedger } from '../core/adapters/embedded/ledger/index.ts';
import { EmbeddedCredentialStore } from '../core/adapters/embedded/credentials/index.ts';
import type { CredentialLedger } from '../core/identity/credential-ledger.ts';
import { createApi } from '../functions/app.ts';
import { ensureBootstrap } from '../functions/bootstrap.ts';
import { startXds, type RunningXds } from '../xds-server/start-xds.ts';
import { joinHostPort } from '../xds-server/server/index.ts';
import { CloudMapMetrics, countingCertificateAuthority, createMetricsRegistry, XdsMetrics } from '../xds-server/metrics/index.ts';
import type { XdsServerHooks } from '../xds-server/server/index.ts';
import type { WorkloadRegistry } from '../core/registry/index.ts';
import { CloudMapListers, cloudMapClientOptionsFromEnv, type CloudMapClientOptions } from '../core/adapters/aws/cloud-map/index.ts';

export interface LocalOptions {
  dataDir: string;
  host: string;
  apiPort: number;
  /** gRPC port of the xDS server (contract: 18000). */
  xdsPort: number;
  bootstrapKey?: string;
  logger: Logger;
  /** xDS requires client certificates from the local CA (`TRELLIS_XDS_MTLS=true`); identity comes from them. */
  xdsMtls?: boolean;
  /** Join-token signing secrets (the first signs); default: one kept in `<dataDir>/join-token-secret`. */
  joinTokenSecrets?: Uint8Array[];
  /** Called once both servers listen, instead of logging where they are (`npm start` on a terminal prints a banner). */
  onListening?: (info: ListeningInfo) => void;
  /** Debounce and reconciliation timing; defaults suit production. */
  xds?: { quietMs?: number; reconcileIntervalMs?: number; registrationGraceMs?: number; observe?: XdsServerHooks; registry?: WorkloadRegistry; cloudMap?: CloudMapClientOptions & { periodMs?: number; rescanIntervalMs?: number } };
}

export interface ListeningInfo {
  apiUrl: string;
  xdsAddress: string;
  xdsMtls: boolean;
  dataDir: string;
  /** Where the admin key is, or that TRELLIS_BOOTSTRAP_KEY chose it. */
  adminKey: { file: string; created: boolean } | { fromEnvironment: true };
}

export interface LocalTrellis {
  store: ConfigStore;
  bus: ChangeBus;
  apiUrl: string;
  xdsAddress: string;
  xds: RunningXds;
  ca: EmbeddedCertificateAuthority;
  ledger: CredentialLedger;
  metrics: Registry;
  close(): Promise<void>;
}

/** Local mode: the API over the embedded store and the in-process bus, in this process. */
export async function startLocal(options: LocalOptions): Promise<LocalTrellis> {
  const { logger } = options;
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const store = await openEmbeddedStore({ dir: path.join(options.dataDir, 'store') });
  const bus = new InProcessBus((err, event) => logger.error({ err, event }, 'change subscriber failed'));

  const boot = await ensureBootstrap(store, { bootstrapKey: options.bootstrapKey });
  const keyFile = path.join(options.dataDir, 'admin-key');
  if (boot.createdKey) {
    writeFileSync(keyFile, `${boot.createdKey}\n`, { mode: 0o600 });
    chmodSync(keyFile, 0o600);
    logger.info({ keyFile }, `created tenant "default" and an admin API key; it is in ${keyFile}`);
  }

  // The CA key, the ledger of spent join tokens and the token secret all stay under the data dir, owner-only.
  const ca = await openEmbeddedCa({ dir: path.join(options.dataDir, 'ca') });
  const ledger = await openEmbeddedLedger({ dir: path.join(options.dataDir, 'ledger') });
  // Gateway credentials: private keys encrypted by a key kept beside them (owner-only).
  const credentials = await EmbeddedCredentialStore.open({ dir: path.join(options.dataDir, 'credentials') });
  const joinTokenSecrets = options.joinTokenSecrets ?? [await loadOrCreateJoinTokenSecret(path.join(options.dataDir, 'join-token-secret'))];

  // Prometheus metrics at GET /metrics on the API port, unauthenticated like Istio's (loopback only by default).
  const metrics = createMetricsRegistry();
  // Connected workloads are live state: in memory, rebuilt as sidecars reconnect after a restart.
  const workloads = options.xds?.registry ?? new InMemoryWorkloadRegistry();
  // Cloud Map sources meshes name are read with the SDK's credentials, or from the AWS emulator (TRELLIS_CLOUD_MAP_ENDPOINT).
  const { periodMs: cloudMapPeriodMs, rescanIntervalMs: cloudMapRescanMs, ...cloudMapClient }: NonNullable<NonNullable<LocalOptions['xds']>['cloudMap']> = options.xds?.cloudMap ?? cloudMapClientOptionsFromEnv(process.env);
  const cloudMapListers = new CloudMapListers(cloudMapClient);
  // One process polls every source; the API reads how the polls went from the same leases.
  const cloudMapLeases = new InMemoryCloudMapLeases();
  let ready = false;
  const xds = await startXds({
    metrics: new XdsMetrics(metrics),
    store,
    bus,
    logger,
    address: joinHostPort(options.host, options.xdsPort),
    gatewayCredentials: credentials,
    registry: workloads,
    ...(options.xdsMtls ? { mtls: { ca, ledger } } : {}),
    ...(options.xds?.quietMs !== undefined ? { debounce: { quietMs: options.xds.quietMs } } : {}),
    ...(options.xds?.reconcileIntervalMs !== undefined ? { reconcileIntervalMs: options.xds.reconcileIntervalMs } : {}),
    ...(options.xds?.registrationGraceMs !== undefined ? { registrationGraceMs: options.xds.registrationGraceMs } : {}),
    ...(options.xds?.observe ? { observe: options.xds.observe } : {}),
    cloudMap: { listerFor: (access) => cloudMapListers.listerFor(access), leases: cloudMapLeases, observer: new CloudMapMetrics(metrics), ...(cloudMapPeriodMs ? { periodMs: cloudMapPeriodMs } : {}), ...(cloudMapRescanMs ? { rescanIntervalMs: cloudMapRescanMs } : {}) },
  });
  const app = createApi({ store, bus, logger, proxies: xds.controlPlane, convergence: xds.controlPlane, certificates: { ca: countingCertificateAuthority(ca, metrics), ledger, joinTokenSecrets }, credentials, workloads, cloudMapSources: cloudMapLeases, signals: new InMemorySignals(), ready: () => ready });
  app.get('/metrics', async (c) => c.body(await metrics.metrics(), 200, { 'content-type': metrics.contentType }));
  const server = serve({ fetch: app.fetch, hostname: options.host, port: options.apiPort });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  const apiUrl = `http://${joinHostPort(options.host, port)}`;
  const xdsAddress = joinHostPort(options.host, xds.port);
  ready = true;
  if (options.onListening) {
    const adminKey = options.bootstrapKey ? { fromEnvironment: true as const } : { file: keyFile, created: boot.createdKey !== undefined };
    options.onListening({ apiUrl, xdsAddress, xdsMtls: options.xdsMtls === true, dataDir: options.dataDir, adminKey });
  } else {
    logger.info({ apiUrl, xdsAddress, xdsMtls: options.xdsMtls === true, dataDir: options.dataDir }, 'trellis listening');
  }
  if (!options.xdsMtls && !options.onListening) {
    // Said once, where the quick start shows it: plaintext xDS has no certificate to take identity from.
    logger.warn(
      { xdsAddress },
      'xDS is plaintext: a proxy is trusted as the tenant, namespace, service account and labels its node metadata claims, and may register as an endpoint under them; never expose this port to an untrusted network (TRELLIS_XDS_MTLS=true takes identity from workload certificates)',
    );
  }

  return {
    store,
    bus,
    apiUrl,
    xdsAddress,
    xds,
    ca,
    ledger,
    metrics,
    async close() {
      ready = false;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await xds.stop();
      cloudMapListers.close();
      await ledger.close();
      await store.close();
    },
  };
}
