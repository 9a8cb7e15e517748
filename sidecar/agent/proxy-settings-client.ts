import type { KeyObject } from 'node:crypto';
import { signCertificateRequest } from '../../core/identity/certificate-auth.ts';
import type { ProxySettings } from '../../core/resources/effective-proxy-config.ts';
import { httpRequest } from './http-request.ts';
import { chainDer } from './certificate-chain.ts';


export interface ProxySettingsRequest {
  apiUrl: string;
  mesh: string;
  /** The workload's labels: ProxyConfig selectors are matched against them. */
  labels: Readonly<Record<string, string>>;
  credential: { certificateChainPem: string; privateKey: KeyObject };
  now: () => Date;
  timeoutMs?: number;
}

/** POST /v1/meshes/{mesh}/proxy-settings, signed with the workload certificate: the ProxyConfig settings for this workload. */
export async function fetchProxySettings(r: ProxySettingsRequest): Promise<ProxySettings> {
  const path = `/v1/meshes/${encodeURIComponent(r.mesh)}/proxy-settings`;
  const body = JSON.stringify({ labels: r.labels });
  const authorization = signCertificateRequest({ method: 'POST', path, timestamp: Math.floor(r.now().getTime() / 1000), body, chainDer: chainDer(r.credential.certificateChainPem), privateKey: r.credential.privateKey });
  const res = await httpRequest(new URL(path, r.apiUrl), { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body, timeoutMs: r.timeoutMs ?? 10_000, maxBytes: 64 * 1024 });
  if (res.status !== 200) throw new Error(`proxy settings: HTTP ${res.status}: ${res.text.slice(0, 300)}`);
  const parsed = JSON.parse(res.text) as Partial<ProxySettings>;
  const settings: ProxySettings = { sources: Array.isArray(parsed.sources) ? parsed.sources.filter((s): s is string => typeof s === 'string') : [] };
  if (typeof parsed.concurrency === 'number' && Number.isInteger(parsed.concurrency) && parsed.concurrency >= 0) settings.concurrency = parsed.concurrency;
  if (parsed.environmentVariables && typeof parsed.environmentVariables === 'object') {
    const environment = Object.entries(parsed.environmentVariables).filter((e): e is [string, string] => typeof e[1] === 'string');
    if (environment.length > 0) settings.environmentVariables = Object.fromEntries(environment);
  }
  return settings;
}

/** Envoy's arguments and environment with the settings applied; a `--concurrency` the operator gave the agent wins. */
export function envoyLaunch(settings: ProxySettings, args: readonly string[]): { args: string[]; env: Record<string, string> } {
  const operatorConcurrency = args.some((a) => a === '--concurrency' || a.startsWith('--concurrency='));
  return {
    args: [...args, ...(settings.concurrency !== undefined && !operatorConcurrency ? ['--concurrency', String(settings.concurrency)] : [])],
    env: settings.environmentVariables ?? {},
  };
}
