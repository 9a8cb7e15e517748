import { experimental, type ServerCredentials } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { CertificateAuthority } from '../../core/ca/certificate-authority.ts';
import type { CredentialLedger } from '../../core/identity/credential-ledger.ts';
import { meshTrustDomain, XDS_SERVER_SPIFFE_ID } from '../../core/identity/trust-domain-policy.ts';
import type { ConfigStore } from '../../core/store/config-store.ts';
import { CaCertificateProvider } from './ca-certificate-provider.ts';
import type { TrustDomainResolver } from './verified-node.ts';

export interface XdsMtlsOptions {
  ca: CertificateAuthority;
  /** Where trust domains are mapped to their tenant mesh (written when certificates are issued). */
  ledger: Pick<CredentialLedger, 'trustDomainOwner'>;
  /** The server's own SPIFFE ID (default spiffe://trellis.local/ns/trellis-system/sa/xds-server). */
  serverSpiffeId?: string;
  bundleRefreshMs?: number;
}

export interface XdsMtls {
  credentials: ServerCredentials;
  owners: TrustDomainResolver;
  stop(): void;
}

/** A trust domain's owner, checked against the mesh as it is now (deleted, or moved to another trust domain: nobody). */
export function trustDomainResolver(store: ConfigStore, ledger: XdsMtlsOptions['ledger']): TrustDomainResolver {
  return async (trustDomain) => {
    const owner = await ledger.trustDomainOwner(trustDomain);
    if (!owner) return undefined;
    const mesh = await store.getMesh(owner.tenantId, owner.mesh);
    return mesh && meshTrustDomain(owner.tenantId, mesh.name, mesh.settings) === trustDomain ? owner : undefined;
  };
}

/** Server credentials that require a client certificate from the CA, and the identity resolver that reads it. */
export async function startXdsMtls(options: XdsMtlsOptions, store: ConfigStore, logger: Logger): Promise<XdsMtls> {
  const provider = new CaCertificateProvider({ ca: options.ca, spiffeId: options.serverSpiffeId ?? XDS_SERVER_SPIFFE_ID, logger, ...(options.bundleRefreshMs ? { bundleRefreshMs: options.bundleRefreshMs } : {}) });
  await provider.start();
  // One provider serves both roles; `true`: a client without a certificate from the bundle fails the handshake.
  const credentials = experimental.createCertificateProviderServerCredentials(provider, provider, true);
  return { credentials, owners: trustDomainResolver(store, options.ledger), stop: () => provider.stop() };
}
