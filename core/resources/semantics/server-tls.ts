import type { PathSegment } from '../field-path.ts';
import type { ServerTLSSettings } from '../schemas/shared/server-tls.ts';
import type { Findings } from './collector.ts';

/** Checks the certificate sources a server TLS mode needs (Gateway servers, Sidecar ingress). */
export function checkServerTls(f: Findings, path: PathSegment[], tls: ServerTLSSettings | undefined): void {
  if (!tls) return;
  const sources = [tls.credentialName, tls.credentialNames, tls.tlsCertificates].filter((s) => s !== undefined).length;
  if (sources > 1) f.add(path, 'set only one of credentialName, credentialNames and tlsCertificates');
  const mode = tls.mode ?? 'PASSTHROUGH';
  const hasCredential = sources > 0;
  if (mode === 'SIMPLE' || mode === 'MUTUAL' || mode === 'OPTIONAL_MUTUAL') {
    if (!hasCredential) {
      if (!tls.serverCertificate) f.add([...path, 'serverCertificate'], `${mode} TLS needs serverCertificate (or credentialName)`);
      if (!tls.privateKey) f.add([...path, 'privateKey'], `${mode} TLS needs privateKey (or credentialName)`);
      if (mode !== 'SIMPLE' && !tls.caCertificates && !tls.caCertCredentialName) {
        f.add([...path, 'caCertificates'], `${mode} TLS needs caCertificates (or credentialName) to verify clients`);
      }
    }
  }
  if (mode === 'ISTIO_MUTUAL') {
    for (const field of ['serverCertificate', 'privateKey', 'caCertificates', 'credentialName'] as const) {
      if (tls[field] !== undefined) f.add([...path, field], `${field} cannot be set when mode is ISTIO_MUTUAL`);
    }
  }
  const versions = ['TLS_AUTO', 'TLSV1_0', 'TLSV1_1', 'TLSV1_2', 'TLSV1_3'];
  const min = tls.minProtocolVersion;
  const max = tls.maxProtocolVersion;
  if (min && max && min !== 'TLS_AUTO' && max !== 'TLS_AUTO' && versions.indexOf(min) > versions.indexOf(max)) {
    f.add([...path, 'minProtocolVersion'], `minProtocolVersion ${min} is above maxProtocolVersion ${max}`);
  }
}
