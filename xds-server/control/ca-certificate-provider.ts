import type { experimental } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { CertificateAuthority } from '../../core/ca/certificate-authority.ts';
import { createCsrPem, generateWorkloadKey } from '../../core/ca/workload-key.ts';

type CaListener = experimental.CaCertificateUpdateListener;
type IdentityListener = experimental.IdentityCertificateUpdateListener;

export interface CaCertificateProviderOptions {
  ca: CertificateAuthority;
  spiffeId: string;
  logger: Logger;
  /** Lifetime asked for the server's own certificate. */
  ttlSeconds?: number;
  /** Share of the lifetime after which a new certificate is issued. */
  renewAt?: number;
  /** How often the trust bundle is re-read, so a root rotation reaches the server. */
  bundleRefreshMs?: number;
}

/**
 * The xDS server's TLS material straight from the CA: its own certificate (renewed before it
 * expires) and the trust bundle clients are checked against. grpc-js swaps both into the
 * listening server without a restart.
 */
export class CaCertificateProvider implements experimental.CertificateProvider {
  private readonly caListeners = new Set<CaListener>();
  private readonly identityListeners = new Set<IdentityListener>();
  private ca: { caCertificate: Buffer } | undefined;
  private identity: { certificate: Buffer; privateKey: Buffer } | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  private bundleTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: CaCertificateProviderOptions) {}

  async start(): Promise<void> {
    await this.renew();
    await this.refreshBundle();
    this.bundleTimer = setInterval(() => void this.refreshBundle().catch((err: unknown) => this.options.logger.warn({ err }, 'trust bundle refresh failed')), this.options.bundleRefreshMs ?? 30_000);
    this.bundleTimer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.renewTimer);
    clearInterval(this.bundleTimer);
  }

  private async renew(): Promise<void> {
    const key = await generateWorkloadKey();
    const issued = await this.options.ca.issue({ csrPem: await createCsrPem(key, this.options.spiffeId), spiffeId: this.options.spiffeId, ttlSeconds: this.options.ttlSeconds ?? 86_400 });
    this.identity = { certificate: Buffer.from(issued.certificateChainPem), privateKey: Buffer.from(key.privateKeyPem) };
    for (const l of this.identityListeners) l(this.identity);
    this.setBundle(issued.trustBundlePem);
    const lifetime = issued.notAfter.getTime() - issued.notBefore.getTime();
    const due = issued.notBefore.getTime() + lifetime * (this.options.renewAt ?? 0.5) - Date.now();
    this.options.logger.info({ spiffeId: this.options.spiffeId, serial: issued.serialNumber, notAfter: issued.notAfter }, 'xDS server certificate issued');
    if (this.stopped) return;
    // Capped: Node fires a timer longer than 2^31-1 ms at once (a CA that ignores the asked lifetime, e.g. moto, issues for a year).
    this.renewTimer = setTimeout(() => void this.renewWithRetry(), Math.min(Math.max(1000, due), 2 ** 31 - 1));
    this.renewTimer.unref();
  }

  private async renewWithRetry(): Promise<void> {
    try {
      await this.renew();
    } catch (err) {
      this.options.logger.error({ err }, 'xDS server certificate renewal failed; retrying in 10 s');
      if (this.stopped) return;
      this.renewTimer = setTimeout(() => void this.renewWithRetry(), 10_000);
      this.renewTimer.unref();
    }
  }

  private async refreshBundle(): Promise<void> {
    this.setBundle(await this.options.ca.trustBundle());
  }

  private setBundle(pem: string): void {
    if (this.ca?.caCertificate.toString() === pem) return;
    this.ca = { caCertificate: Buffer.from(pem) };
    for (const l of this.caListeners) l(this.ca);
  }

  addCaCertificateListener(listener: CaListener): void {
    this.caListeners.add(listener);
    const current = this.ca;
    // Later, not now: grpc-js registers its own watcher only after adding this listener.
    if (current) queueMicrotask(() => this.caListeners.has(listener) && listener(current));
  }

  removeCaCertificateListener(listener: CaListener): void {
    this.caListeners.delete(listener);
  }

  addIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.add(listener);
    const current = this.identity;
    if (current) queueMicrotask(() => this.identityListeners.has(listener) && listener(current));
  }

  removeIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.delete(listener);
  }
}
