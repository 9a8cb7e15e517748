import { hostProblem } from '../formats/hostname.ts';
import { isIpOrCidr } from '../formats/ip.ts';
import { dnsLabelProblem, isDns1123Label } from '../formats/names.ts';
import type { PathSegment } from '../field-path.ts';
import type { Findings } from './collector.ts';

/** Every weight-bearing destination list must sum to 100 once any weight is given. */
export function checkWeights(f: Findings, path: readonly PathSegment[], routes: readonly { weight?: number }[] | undefined): void {
  if (!routes || routes.length === 0) return;
  if (!routes.some((r) => r.weight !== undefined)) return;
  const sum = routes.reduce((total, r) => total + (r.weight ?? 0), 0);
  if (sum === 100) return;
  // Point at the last weight: that is where an edit usually went wrong.
  const last = routes.findLastIndex((r) => r.weight !== undefined);
  const unweighted = routes.length - routes.filter((r) => r.weight !== undefined).length;
  const hint = unweighted > 0 ? ` (${unweighted} destination${unweighted > 1 ? 's' : ''} without a weight count as 0)` : '';
  f.add([...path, last, 'weight'], `weights sum to ${sum}; they must sum to 100${hint}`);
}

/** exportTo: `*`, `.`, `~` or namespace names; `*` and `~` stand alone; no duplicates. */
export function checkExportTo(f: Findings, exportTo: readonly string[] | undefined): void {
  if (!exportTo) return;
  const seen = new Set<string>();
  exportTo.forEach((entry, i) => {
    if (seen.has(entry)) f.add(['exportTo', i], `"${entry}" is listed twice`);
    seen.add(entry);
    if (entry === '*' || entry === '~') {
      if (exportTo.length > 1) f.add(['exportTo', i], `"${entry}" cannot be combined with other entries`);
    } else if (entry !== '.') {
      f.add(['exportTo', i], dnsLabelProblem(entry, 'exportTo namespace'));
    }
  });
}

/** Hosts of the form `namespace/host` (Gateway servers, Sidecar egress). */
export function checkNamespacedHost(f: Findings, path: readonly PathSegment[], entry: string, requireNamespace: boolean): void {
  const slash = entry.indexOf('/');
  if (slash < 0) {
    if (requireNamespace) f.add(path, `"${entry}" must be written as namespace/host, e.g. "./*" or "istio-system/*"`);
    else f.add(path, hostProblem(entry));
    return;
  }
  const namespace = entry.slice(0, slash);
  const host = entry.slice(slash + 1);
  if (namespace !== '*' && namespace !== '.' && namespace !== '~' && !isDns1123Label(namespace)) {
    f.add(path, `namespace "${namespace}" in "${entry}" must be "*", ".", "~" or a namespace name`);
  }
  f.add(path, hostProblem(host));
}

export function checkCidrs(f: Findings, path: readonly PathSegment[], values: readonly string[] | undefined): void {
  values?.forEach((value, i) => {
    if (!isIpOrCidr(value)) f.add([...path, i], `"${value}" is not an IP address or CIDR block`);
  });
}

/** Reports every value that appears more than once, at its second and later positions. */
export function checkUnique<T>(
  f: Findings,
  items: readonly T[] | undefined,
  keyOf: (item: T) => string | number | undefined,
  pathOf: (index: number) => readonly PathSegment[],
  what: string,
): void {
  if (!items) return;
  const first = new Map<string | number, number>();
  items.forEach((item, i) => {
    const key = keyOf(item);
    if (key === undefined) return;
    const earlier = first.get(key);
    if (earlier === undefined) first.set(key, i);
    else f.add(pathOf(i), `${what} ${JSON.stringify(key)} is already used at index ${earlier}`);
  });
}

/** An HTTP header name token (letters, digits, '-', '_'). */
export const HEADER_NAME = /^[-_A-Za-z0-9]+$/;

/** Istio's JWT claim reference in a route's header match: `@request.auth.claims.groups`, nested claims dot-separated. */
export const JWT_CLAIM_HEADER = /^@request\.auth\.claims\.[^.]+(?:\.[^.]+)*$/;

/** HTTP/2 pseudo-headers a route may match on, as Istio accepts them. */
export const PSEUDO_HEADERS: ReadonlySet<string> = new Set([':method', ':scheme', ':authority', ':path', ':status']);

export function checkHeaderName(f: Findings, path: readonly PathSegment[], name: string): void {
  if (!HEADER_NAME.test(name)) f.add(path, `"${name}" is not a valid header name`);
}
