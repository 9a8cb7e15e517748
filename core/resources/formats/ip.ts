import { isIP } from 'node:net';

export function isIpAddress(value: string): boolean {
  return isIP(value) !== 0;
}

/** An IP address or CIDR block, e.g. `10.0.0.1`, `10.0.0.0/16`, `2001:db8::/32`. */
export function isIpOrCidr(value: string): boolean {
  const slash = value.indexOf('/');
  if (slash < 0) return isIpAddress(value);
  const address = value.slice(0, slash);
  const bits = value.slice(slash + 1);
  const family = isIP(address);
  if (family === 0 || !/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}
