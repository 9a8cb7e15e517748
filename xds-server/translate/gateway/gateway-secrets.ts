import type { Named } from '../translation-result.ts';
import type { GatewayCredential } from './gateway-credential.ts';

/**
 * SDS Secrets for the referenced credentials only: `<ns>/<name>` holds the certificate chain and
 * key, `<ns>/<name>-cacert` the CA bundle that verifies clients.
 */
export function gatewaySecrets(referenced: ReadonlySet<string>, credentials: ReadonlyMap<string, GatewayCredential>): Named[] {
  const secrets: Named[] = [];
  for (const name of [...referenced].sort()) {
    if (name.endsWith('-cacert') && !credentials.has(name)) {
      const ca = credentials.get(name.slice(0, -'-cacert'.length))?.caCertificates;
      if (ca) secrets.push({ name, resource: { name, validation_context: { trusted_ca: { inline_string: ca } } } });
      continue;
    }
    const c = credentials.get(name);
    if (c) secrets.push({ name, resource: { name, tls_certificate: { certificate_chain: { inline_string: c.certificateChain }, private_key: { inline_string: c.privateKey } } } });
  }
  return secrets;
}
