import { writeFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { createCsrPem, generateWorkloadKey, type WorkloadKey } from '../../core/ca/workload-key.ts';
import type { BootstrapOptions } from '../bootstrap/envoy-bootstrap.ts';
import { SdsServer } from '../sds/sds-server.ts';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.ts';
import { CertificateRequestError, fetchTrustBundle, requestCertificate, type Attestor, type WorkloadCertificate } from './certificate-client.ts';
import type { EnvoyExit } from './envoy-exit.ts';
import { EnvoySupervisor } from './envoy-supervisor.ts';
import { loadOrCreateKeyFile, writeKeyFile } from './key-file.ts';
import { envoyLaunch, fetchProxySettings } from './proxy-settings-client.ts';
import { agentMetrics } from './metrics/agent-metrics.ts';
import { caCertificates } from './metrics/ca-certificates.ts';
import { mergedScrape } from './metrics/merged-scrape.ts';
import { startMetricsServer, type MetricsServer } from './metrics/metrics-server.ts';
import { SignalReporter } from './metrics/signal-reporter.ts';
import { startReadinessServer, type ReadinessServer } from './readiness-server.ts';
import { DEFAULT_ROTATION, rotationTime, type RotationPolicy } from './rotation.ts';

export interface AgentOptions {
  apiUrl: string;
  mesh: string;
  /** Pays for the first certificate; renewals use the certificate itself. */
  joinToken?: string;
  /**
   * The SPIFFE ID the first certificate will carry (the join-token response shows it), stated in
   * the CSR for CAs that copy the CSR's SAN (ACM PCA without API passthrough, moto); renewals state the certificate's own.
   */
  spiffeId?: string;
  /** Instead of a join token: the platform (EKS, ECS) vouches for the workload. */
  attestor?: Attestor;
  sdsSocketPath: string;
  /** Keep the key in this file (0600) instead of only in memory. */
  keyFile?: string;
  /**
   * Write the Envoy bootstrap here (0600): `yaml` when given (rendered from these options, as
   * `trellis-agent run` does in a worker), else rendered from the options.
   */
  bootstrap?: { path: string; options: Omit<BootstrapOptions, 'sdsSocketPath'>; yaml?: string };
  /** Supervise Envoy with that bootstrap. */
  envoy?: { path: string; args?: string[]; drainMs?: number };
  /** Loopback port for `/ready` (0 picks one). */
  readyPort?: number;
  /** Serve the merged Prometheus scrape (`/stats/prometheus`) on this port (0 picks one); the app's metrics are merged from `appMetricsUrl`. */
  metrics?: { port: number; host?: string; appMetricsUrl?: string };
  /** Report request counts and durations per service to the control plane this often (needs the bootstrap's Envoy admin port). */
  signals?: { periodMs: number };
  ttlSeconds?: number;
  /** How often the trust bundle is re-read, so a new root reaches Envoy before leaves signed by it do (default 60 s). */
  bundleRefreshMs?: number;
  rotation?: RotationPolicy;
  backoff?: BackoffPolicy;
  now?: () => Date;
  random?: () => number;
  logger: Logger;
}

export interface AgentStatus {
  ready: boolean;
  certificate?: { spiffeId: string; serialNumber: string; notAfter: string; renewAt?: string };
  sds: ReturnType<SdsServer['stats']>;
  /** `lastExit`: how Envoy last ended on its own (code or signal, its last stderr lines), until the agent stops. */
  envoy?: { pid?: number; live: boolean; restarts: number; lastExit?: EnvoyExit };
  /** The ProxyConfig settings Envoy was started with, or why none could be read (Envoy then runs with the agent's own). */
  proxySettings?: { applied: true; sources: string[]; concurrency?: number; environmentVariables?: string[] } | { applied: false; error: string };
  renewals: number;
  failures: number;
  lastError?: string;
}

/**
 * The sidecar agent: makes the workload key, buys the first certificate with the join token,
 * serves it to Envoy over SDS, renews it (with the certificate) at a jittered share of its
 * lifetime, retries with capped backoff while the control plane is away, and runs Envoy.
 */
export class Agent {
  private readonly sds: SdsServer;
  private readonly now: () => Date;
  private readonly random: () => number;
  private readonly log: Logger;
  private key: WorkloadKey | undefined;
  private cert: WorkloadCertificate | undefined;
  private renewAt: Date | undefined;
  private timer: NodeJS.Timeout | undefined;
  private bundleTimer: NodeJS.Timeout | undefined;
  private attempt = 0;
  private readiness: ReadinessServer | undefined;
  private metricsServer: MetricsServer | undefined;
  private signalReporter: SignalReporter | undefined;
  private envoy: EnvoySupervisor | undefined;
  private stopped = false;
  private renewals = 0;
  private failures = 0;
  private lastError: string | undefined;
  private proxySettings: AgentStatus['proxySettings'];
  private firstCertificate: { promise: Promise<void>; resolve: () => void; reject: (err: Error) => void };

  constructor(private readonly o: AgentOptions) {
    this.now = o.now ?? (() => new Date());
    this.random = o.random ?? Math.random;
    this.log = o.logger.child({ component: 'agent' });
    this.sds = new SdsServer({ socketPath: o.sdsSocketPath, onNack: (version, message) => this.log.error({ version, message }, 'envoy rejected a secret') });
    let resolve!: () => void;
    let reject!: (err: Error) => void;
    const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
    promise.catch(() => undefined);
    this.firstCertificate = { promise, resolve, reject };
  }

  /** Port of `/ready`, once started. */
  get readyPort(): number | undefined {
    return this.readiness?.port;
  }

  /** Port of `/stats/prometheus`, once started (undefined when metrics are off). */
  get metricsPort(): number | undefined {
    return this.metricsServer?.port;
  }

  /** Serves SDS, readiness and metrics, writes the bootstrap, and starts fetching the first certificate. */
  async start(): Promise<void> {
    this.key = this.o.keyFile ? await loadOrCreateKeyFile(this.o.keyFile) : await generateWorkloadKey();
    await this.sds.listen();
    this.readiness = await startReadinessServer(this.o.readyPort ?? 0, async () => {
      const status = await this.status();
      return { ready: status.ready, detail: { ...status } };
    });
    if (this.o.metrics) await this.startMetrics(this.o.metrics);
    if (this.o.signals && this.o.bootstrap) {
      const metadata = this.o.bootstrap.options.metadata;
      this.signalReporter = new SignalReporter({
        apiUrl: this.o.apiUrl,
        mesh: this.o.mesh,
        envoyAdminPort: this.o.bootstrap.options.adminPort,
        identity: () => ({ workload: metadata?.WORKLOAD_NAME ?? 'unknown', namespace: metadata?.NAMESPACE ?? 'unknown', labels: metadata?.LABELS ?? {}, ...(this.cert ? { principal: this.cert.spiffeId } : {}) }),
        credential: () => (this.cert && this.key ? { certificateChainPem: this.cert.certificateChainPem, privateKey: this.key.privateKey } : undefined),
        periodMs: this.o.signals.periodMs,
        logger: this.log,
      });
      this.signalReporter.start();
    }
    if (this.o.bootstrap) {
      // Imported only when needed: the YAML writer stays out of the memory of an agent given its bootstrap.
      const yaml = this.o.bootstrap.yaml ?? (await import('../bootstrap/envoy-bootstrap.ts')).envoyBootstrapYaml({ ...this.o.bootstrap.options, sdsSocketPath: this.o.sdsSocketPath });
      await writeFile(this.o.bootstrap.path, yaml, { mode: 0o600 });
    }
    void this.acquire();
    this.bundleTimer = setInterval(() => void this.refreshBundle(), this.o.bundleRefreshMs ?? 60_000);
  }

  /** Resolves with the first certificate; rejects if the join token is refused for good. */
  whenCertified(): Promise<void> {
    return this.firstCertificate.promise;
  }

  async status(): Promise<AgentStatus> {
    // An Envoy still to be started (its settings being read) is not live.
    const envoyLive = this.envoy ? await this.envoy.live() : !(this.o.envoy && this.o.bootstrap);
    return {
      ready: this.cert !== undefined && this.cert.notAfter > this.now() && envoyLive,
      ...(this.cert ? { certificate: { spiffeId: this.cert.spiffeId, serialNumber: this.cert.serialNumber, notAfter: this.cert.notAfter.toISOString(), ...(this.renewAt ? { renewAt: this.renewAt.toISOString() } : {}) } } : {}),
      sds: this.sds.stats(),
      ...(this.envoy ? { envoy: { ...(this.envoy.pid ? { pid: this.envoy.pid } : {}), live: envoyLive, restarts: this.envoy.restarts, ...(this.envoy.lastExit ? { lastExit: this.envoy.lastExit } : {}) } } : {}),
      ...(this.proxySettings ? { proxySettings: this.proxySettings } : {}),
      renewals: this.renewals,
      failures: this.failures,
      ...(this.lastError ? { lastError: this.lastError } : {}),
    };
  }

  /** Renews now instead of at the scheduled time (operators, tests). */
  renewNow(): Promise<void> {
    clearTimeout(this.timer);
    return this.acquire();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.bundleTimer);
    await this.envoy?.stop();
    await this.readiness?.close();
    await this.signalReporter?.stop();
    await this.metricsServer?.close();
    await this.sds.close();
  }

  private async acquire(): Promise<void> {
    if (this.stopped || !this.key) return;
    const renewing = this.cert !== undefined;
    // Every certificate gets a fresh key; the old key only signs the request for the new one.
    const nextKey = renewing ? await generateWorkloadKey() : this.key;
    try {
      const cert = await requestCertificate({
        apiUrl: this.o.apiUrl,
        mesh: this.o.mesh,
        csrPem: await createCsrPem(nextKey, this.cert?.spiffeId ?? this.o.spiffeId),
        credential: this.renewable() ? { current: this.cert!, privateKey: this.key.privateKey } : this.o.attestor ? { attestor: this.o.attestor } : { joinToken: this.o.joinToken ?? '' },
        now: this.now,
        ...(this.o.ttlSeconds ? { ttlSeconds: this.o.ttlSeconds } : {}),
      });
      if (this.stopped) return;
      if (this.o.keyFile && nextKey !== this.key) await writeKeyFile(this.o.keyFile, nextKey);
      this.key = nextKey;
      this.cert = cert;
      this.attempt = 0;
      this.lastError = undefined;
      if (renewing) this.renewals++;
      this.sds.update({ certificateChainPem: cert.certificateChainPem, privateKeyPem: nextKey.privateKeyPem, trustBundlePem: cert.trustBundlePem });
      this.renewAt = rotationTime(cert, this.o.rotation ?? DEFAULT_ROTATION, this.random, this.now());
      this.log.info({ spiffeId: cert.spiffeId, serial: cert.serialNumber, notAfter: cert.notAfter, renewAt: this.renewAt }, renewing ? 'certificate renewed' : 'certificate issued');
      this.schedule(this.renewAt.getTime() - this.now().getTime());
      if (!renewing) this.onFirstCertificate();
    } catch (err) {
      this.failures++;
      this.lastError = (err as Error).message;
      const retryable = !(err instanceof CertificateRequestError) || err.retryable;
      const expired = this.cert !== undefined && this.cert.notAfter <= this.now();
      if (!retryable || expired) {
        this.log.error({ err }, this.cert ? 'certificate renewal refused; a new join token is needed' : 'the join token was refused');
        if (!this.cert) this.firstCertificate.reject(err as Error);
        if (!retryable) return;
      }
      const delay = backoffDelay(this.attempt++, this.o.backoff ?? DEFAULT_BACKOFF, this.random);
      this.log.warn({ err: (err as Error).message, retryInMs: delay }, 'certificate request failed; retrying');
      this.schedule(delay);
    }
  }

  /** Pushes a changed trust bundle (a root rotation) over SDS with the current certificate. */
  private async refreshBundle(): Promise<void> {
    const cert = this.cert;
    if (!cert || !this.key || this.stopped) return;
    try {
      const bundle = await fetchTrustBundle(this.o.apiUrl, this.o.mesh);
      if (bundle === cert.trustBundlePem || this.cert !== cert) return;
      this.cert = { ...cert, trustBundlePem: bundle };
      this.sds.update({ certificateChainPem: cert.certificateChainPem, privateKeyPem: this.key.privateKeyPem, trustBundlePem: bundle });
      this.log.info({ roots: bundle.match(/BEGIN CERTIFICATE/g)?.length ?? 0 }, 'trust bundle changed');
    } catch (err) {
      this.log.debug({ err: (err as Error).message }, 'trust bundle refresh failed; the next renewal brings it too');
    }
  }

  /** Renew with the certificate while it is valid; once expired, an attesting agent simply attests again. */
  private renewable(): boolean {
    return this.cert !== undefined && (!this.o.attestor || this.cert.notAfter > this.now());
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    // setTimeout cannot wait longer than ~24.8 days; a later renewal is re-checked then.
    this.timer = setTimeout(() => void this.acquire(), Math.min(Math.max(0, delayMs), 2 ** 31 - 1));
  }

  private async startMetrics(o: NonNullable<AgentOptions['metrics']>): Promise<void> {
    const metadata = this.o.bootstrap?.options.metadata;
    const agent = agentMetrics(() => ({
      ...(this.cert ? { certificateNotAfter: this.cert.notAfter, caCertificates: caCertificates(this.cert.certificateChainPem, this.cert.trustBundlePem) } : {}),
      envoyRestarts: this.envoy?.restarts ?? 0,
      renewals: this.renewals,
      failures: this.failures,
    }));
    const identity = () => ({
      workload: metadata?.WORKLOAD_NAME ?? 'unknown',
      namespace: metadata?.NAMESPACE ?? 'unknown',
      labels: metadata?.LABELS ?? {},
      ...(this.cert ? { principal: this.cert.spiffeId } : {}),
    });
    const scrape = () => mergedScrape({ ...(this.o.bootstrap ? { envoyAdminPort: this.o.bootstrap.options.adminPort } : {}), ...(o.appMetricsUrl ? { appMetricsUrl: o.appMetricsUrl } : {}), identity, agent, logger: this.log });
    this.metricsServer = await startMetricsServer(o.port, scrape, o.host);
  }

  private onFirstCertificate(): void {
    if (this.o.envoy && this.o.bootstrap) void this.startEnvoy(this.o.envoy, this.o.bootstrap);
    this.firstCertificate.resolve();
  }

  /**
   * Starts Envoy with the workload's ProxyConfig settings, read once with the first certificate:
   * worker threads and environment belong to the process, so a change applies at the agent's
   * next start rather than by restarting a serving Envoy. Unreadable settings do not keep the
   * workload down: Envoy starts with the agent's own, and `/ready` says why.
   */
  private async startEnvoy(envoy: NonNullable<AgentOptions['envoy']>, bootstrap: NonNullable<AgentOptions['bootstrap']>): Promise<void> {
    let launch = { args: envoy.args ?? [], env: {} as Record<string, string> };
    try {
      const settings = await fetchProxySettings({
        apiUrl: this.o.apiUrl,
        mesh: this.o.mesh,
        labels: bootstrap.options.metadata?.LABELS ?? {},
        credential: { certificateChainPem: this.cert!.certificateChainPem, privateKey: this.key!.privateKey },
        now: this.now,
      });
      launch = envoyLaunch(settings, launch.args);
      const environmentVariables = Object.keys(launch.env);
      this.proxySettings = { applied: true, sources: settings.sources, ...(settings.concurrency !== undefined ? { concurrency: settings.concurrency } : {}), ...(environmentVariables.length > 0 ? { environmentVariables } : {}) };
      if (settings.sources.length > 0) this.log.info({ sources: settings.sources, concurrency: settings.concurrency, environmentVariables }, 'ProxyConfig applied to Envoy');
    } catch (err) {
      this.proxySettings = { applied: false, error: (err as Error).message };
      this.log.warn({ err: (err as Error).message }, 'ProxyConfig settings could not be read; Envoy starts without them');
    }
    if (this.stopped) return;
    this.envoy = new EnvoySupervisor({ envoyPath: envoy.path, bootstrapPath: bootstrap.path, adminPort: bootstrap.options.adminPort, logger: this.log, random: this.random, args: launch.args, env: launch.env, ...(envoy.drainMs !== undefined ? { drainMs: envoy.drainMs } : {}), ...(this.o.backoff ? { backoff: this.o.backoff } : {}) });
    this.envoy.start();
  }
}
