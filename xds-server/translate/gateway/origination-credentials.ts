import type { Named, TranslationIssue } from '../translation-result.ts';
import type { GatewayCredential } from './gateway-credential.ts';

type Obj = Record<string, unknown>;

/** The SDS secret names a cluster's upstream TLS asks for over ADS (DestinationRule `credentialName`). */
function sdsSecretNames(cluster: Obj): string[] {
  const tls = (cluster['transport_socket'] as { typed_config?: { common_tls_context?: Obj } } | undefined)?.typed_config?.common_tls_context;
  if (!tls) return [];
  const certificates = (tls['tls_certificate_sds_secret_configs'] as { name: string }[] | undefined) ?? [];
  const ca = (tls['combined_validation_context'] as { validation_context_sds_secret_config?: { name: string } } | undefined)?.validation_context_sds_secret_config;
  return [...certificates.map((c) => c.name), ...(ca ? [ca.name] : [])];
}

/** Why a secret cannot be served from the uploaded credentials, or undefined when it can. */
function missing(name: string, credentials: ReadonlyMap<string, GatewayCredential>): string | undefined {
  // caSecretName appends -cacert to the credential's own secret name.
  if (!name.endsWith('-cacert')) return credentials.has(name) ? undefined : `no credential ${name} was uploaded`;
  const owner = name.slice(0, -'-cacert'.length);
  const credential = credentials.get(owner);
  if (!credential) return `no credential ${owner} was uploaded`;
  return credential.caCertificates ? undefined : `credential ${owner} has no caCertificates to verify the server`;
}

/**
 * A gateway's clusters whose TLS origination names uploaded credentials: served with those
 * secrets (added to `secrets`) when every one exists; otherwise left out and reported, since
 * Envoy would hold the cluster warming for a secret that never comes.
 */
export function originationClusters(clusters: readonly Named[], credentials: ReadonlyMap<string, GatewayCredential>, secrets: Set<string>, issues: TranslationIssue[]): Named[] {
  const served: Named[] = [];
  for (const cluster of clusters) {
    const names = sdsSecretNames(cluster.resource);
    const problems = [...new Set(names.map((n) => missing(n, credentials)).filter((p): p is string => p !== undefined))];
    if (problems.length > 0) {
      issues.push({ resource: cluster.name, field: 'tls.credentialName', message: `${problems.join('; ')} (PUT /v1/meshes/{mesh}/credentials/{namespace}/{name}); cluster not served` });
      continue;
    }
    for (const n of names) secrets.add(n);
    served.push(cluster);
  }
  return served;
}
