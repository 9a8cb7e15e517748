import type { Logger } from 'pino';
import type { ChangeBus, MeshChangeEvent } from '../core/bus/change-bus.ts';
import type { ConfigStore } from '../core/store/config-store.ts';
import type { ProxyStatusSource } from '../core/proxies/proxy-status.ts';
import type { ConvergenceSource } from '../core/proxies/convergence.ts';
import type { CertificateAuthority } from '../core/ca/certificate-authority.ts';
import type { CredentialLedger } from '../core/identity/credential-ledger.ts';
import type { CredentialStore } from '../core/credentials/index.ts';
import type { CloudMapSourceLeases, WorkloadRegistry } from '../core/registry/index.ts';
import type { GoldenSignalsStore } from '../core/signals/index.ts';
import type { AttestationOptions } from './attestation/attestation-options.ts';

export interface ApiLimits {
  /** Largest body of a single-resource request. */
  maxResourceBytes: number;
  /** Largest body of an apply. */
  maxApplyBytes: number;
  /** Most documents in one apply. */
  maxApplyDocuments: number;
}

export const DEFAULT_LIMITS: ApiLimits = {
  maxResourceBytes: 256 * 1024,
  maxApplyBytes: 4 * 1024 * 1024,
  maxApplyDocuments: 500,
};

/** What the join-token and certificate routes need; without it they answer 503. */
export interface CertificateIssuing {
  ca: CertificateAuthority;
  ledger: CredentialLedger;
  /** The first signs new join tokens; all verify (several while the secret rotates). */
  joinTokenSecrets: readonly Uint8Array[];
  /** STS endpoints and fetch for platform attestation (EKS tokens, ECS task roles); public AWS endpoints by default. */
  attestation?: AttestationOptions;
}

export interface ApiOptions {
  store: ConfigStore;
  bus: ChangeBus;
  logger: Logger;
  proxies?: ProxyStatusSource;
  /** Per-revision convergence for the revision routes; without it revisions carry none. */
  convergence?: ConvergenceSource;
  certificates?: CertificateIssuing;
  /** Gateway TLS credentials; without it the credential routes answer 503. */
  credentials?: CredentialStore;
  /** Registered workloads (live state); without it `GET /workloads` answers 503, without put and remove the registry-source routes do. */
  workloads?: Pick<WorkloadRegistry, 'list'> & Partial<Pick<WorkloadRegistry, 'put' | 'remove'>>;
  limits?: Partial<ApiLimits>;
  /** How the xds-servers' polls of Cloud Map sources go; without it `GET /registry-sources` shows the sources unobserved. */
  cloudMapSources?: Pick<CloudMapSourceLeases, 'list'>;
  /** Sidecars' golden-signal reports; without it the signal routes answer 501. */
  signals?: GoldenSignalsStore;
  now?: () => Date;
}

/** What route modules receive: the options, resolved, plus a publish helper. */
export interface ApiDependencies {
  store: ConfigStore;
  proxies?: ProxyStatusSource;
  convergence?: ConvergenceSource;
  certificates?: CertificateIssuing;
  credentials?: CredentialStore;
  workloads?: Pick<WorkloadRegistry, 'list'> & Partial<Pick<WorkloadRegistry, 'put' | 'remove'>>;
  signals?: GoldenSignalsStore;
  cloudMapSources?: Pick<CloudMapSourceLeases, 'list'>;
  logger: Logger;
  limits: ApiLimits;
  now: () => Date;
  /** Publishes a change after a commit; a failure is logged, never fails the request (reconciliation covers it). */
  publish(event: Omit<MeshChangeEvent, 'at'>): Promise<void>;
}

export function resolveDependencies(options: ApiOptions): ApiDependencies {
  const now = options.now ?? (() => new Date());
  return {
    store: options.store,
    proxies: options.proxies,
    ...(options.convergence ? { convergence: options.convergence } : {}),
    certificates: options.certificates,
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(options.workloads ? { workloads: options.workloads } : {}),
    ...(options.signals ? { signals: options.signals } : {}),
    ...(options.cloudMapSources ? { cloudMapSources: options.cloudMapSources } : {}),
    logger: options.logger,
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    now,
    async publish(event) {
      try {
        await options.bus.publish({ ...event, at: now().toISOString() });
      } catch (err) {
        options.logger.error({ err, event }, 'change event not published; replicas will pick the change up on reconciliation');
      }
    },
  };
}
