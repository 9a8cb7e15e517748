/** What `npm start` tells a person at a terminal once Trellis listens. */
export interface BannerInfo {
  version: string;
  apiUrl: string;
  xdsAddress: string;
  xdsMtls: boolean;
  dataDir: string;
  adminKey: { file: string; created: boolean } | { fromEnvironment: true };
}

export function startBanner(i: BannerInfo): string {
  const key = 'fromEnvironment' in i.adminKey ? 'the one TRELLIS_BOOTSTRAP_KEY set' : `${i.adminKey.file}${i.adminKey.created ? ' (created now)' : ''}`;
  const lines = [
    `Trellis ${i.version} is running (local mode)`,
    `  API        ${i.apiUrl}   (docs: ${i.apiUrl}/docs)`,
    `  xDS        ${i.xdsAddress}   ${i.xdsMtls ? 'mTLS: proxies need a workload certificate from the local CA' : 'plaintext'}`,
    `  data       ${i.dataDir}`,
    `  admin key  ${key}`,
  ];
  if (!i.xdsMtls) {
    lines.push(
      '',
      '  ! xDS is plaintext: a proxy is trusted as whatever tenant, namespace, service account and labels',
      '    it claims. Never expose this port to an untrusted network; TRELLIS_XDS_MTLS=true takes identity',
      '    from workload certificates.',
    );
  }
  lines.push('', 'Ctrl-C stops Trellis; its data stays in the data directory.', '');
  return lines.join('\n');
}
