import type { PeerAuthenticationSpec } from '../schemas/peer-authentication.ts';
import { Findings } from './collector.ts';

export function validatePeerAuthentication(spec: PeerAuthenticationSpec): Findings {
  const f = new Findings();
  const ports = Object.keys(spec.portLevelMtls ?? {});
  if (spec.portLevelMtls && ports.length === 0) f.add(['portLevelMtls'], 'portLevelMtls must not be empty');
  if (ports.length > 0 && Object.keys(spec.selector?.matchLabels ?? {}).length === 0) {
    f.add(['portLevelMtls'], 'portLevelMtls requires a selector with matchLabels');
  }
  for (const port of ports) {
    const n = /^\d{1,5}$/.test(port) ? Number(port) : NaN;
    if (!(n >= 1 && n <= 65535)) f.add(['portLevelMtls', port], `"${port}" is not a port number between 1 and 65535`);
  }
  return f;
}
