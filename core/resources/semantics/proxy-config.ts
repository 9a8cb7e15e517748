import type { ProxyConfigSpec } from '../schemas/proxy-config.ts';
import { Findings } from './collector.ts';

// Variables the agent sets for Envoy itself; a ProxyConfig may not change them.
const RESERVED = /^(TRELLIS_|ENVOY_(CONCURRENCY|BASE_ID|CONFIG)$|PATH$|HOME$|LD_)/;

export function validateProxyConfig(spec: ProxyConfigSpec): Findings {
  const f = new Findings();
  for (const name of Object.keys(spec.environmentVariables ?? {})) {
    if (RESERVED.test(name)) f.add(['environmentVariables', name], `${name} is reserved: the agent sets it (TRELLIS_*, LD_*, PATH and HOME are never taken from config)`);
  }
  return f;
}
