import { fail, ok, type Result } from '../../core/result.ts';

/** More entries than this is a mistake or an attack; the rule set stays small. */
export const MAX_LIST_ENTRIES = 64;

export type PortSelection = '*' | number[];
export type CidrSelection = '*' | string[];

function entries(path: string, text: string): Result<string[]> {
  const items = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length > MAX_LIST_ENTRIES) return fail([{ path, message: `at most ${MAX_LIST_ENTRIES} entries` }]);
  return ok(items);
}

/** "80, 443" → [80, 443]; "" → []; sorted and de-duplicated so generated rules are stable. */
export function parsePorts(path: string, text: string): Result<number[]> {
  const items = entries(path, text);
  if (!items.ok) return items;
  const bad = items.value.filter((s) => !/^\d{1,5}$/.test(s) || Number(s) < 1 || Number(s) > 65535);
  if (bad.length > 0) return fail([{ path, message: `not a port number (1-65535): ${bad.slice(0, 3).join(', ')}` }]);
  return ok([...new Set(items.value.map(Number))].sort((a, b) => a - b));
}

/** "*" or a port list. */
export function parsePortSelection(path: string, text: string): Result<PortSelection> {
  return text.trim() === '*' ? ok('*') : parsePorts(path, text);
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** "10.0.0.0/8,169.254.169.254" → IPv4 CIDRs (a bare address is /32). IPv6 is not redirected. */
export function parseCidrs(path: string, text: string): Result<string[]> {
  const items = entries(path, text);
  if (!items.ok) return items;
  const out: string[] = [];
  for (const item of items.value) {
    const [ip, bits, extra] = item.split('/');
    const prefix = bits === undefined ? 32 : /^\d{1,2}$/.test(bits) ? Number(bits) : NaN;
    if (extra !== undefined || !IPV4.test(ip ?? '') || !(prefix >= 0 && prefix <= 32)) {
      return fail([{ path, message: `not an IPv4 address or CIDR: ${item.slice(0, 64)}` }]);
    }
    out.push(`${ip}/${prefix}`);
  }
  return ok([...new Set(out)].sort());
}

/** "*" or a CIDR list. */
export function parseCidrSelection(path: string, text: string): Result<CidrSelection> {
  return text.trim() === '*' ? ok('*') : parseCidrs(path, text);
}

/** The inverse of the parsers, for command-line arguments. */
export function formatSelection(selection: '*' | readonly (number | string)[]): string {
  return selection === '*' ? '*' : selection.join(',');
}
