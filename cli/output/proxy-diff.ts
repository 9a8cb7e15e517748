import { stringify } from 'yaml';
import type { Paint } from './color.ts';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const first = (o: Obj, keys: string[]) => keys.map((k) => o[k]).find((v) => v !== undefined);

const SIGNS: [string, string, 'green' | 'yellow' | 'red'][] = [
  ['added', '+', 'green'],
  ['changed', '~', 'yellow'],
  ['updated', '~', 'yellow'],
  ['removed', '-', 'red'],
];

function entryLine(sign: string, entry: unknown): { head: string; body?: string } {
  if (typeof entry === 'string') return { head: `${sign} ${entry}` };
  const e = obj(entry);
  const head = `${sign} ${[first(e, ['type', 'typeUrl', 'kind']), first(e, ['name'])].filter((x) => x !== undefined).join(' ')}`;
  const body = first(e, ['diff', 'unified', 'patch']);
  return typeof body === 'string' ? { head, body } : { head };
}

/** The dry run's per-proxy-group diff, readably: a heading per group, then +/~/- per Envoy resource with its diff. */
export function formatProxyDiff(diff: unknown, paint: Paint): string {
  if (typeof diff === 'string') return diff.endsWith('\n') ? diff : diff + '\n';
  const groups = Array.isArray(diff) ? diff : Array.isArray(obj(diff).groups) ? (obj(diff).groups as unknown[]) : undefined;
  if (!groups) return stringify(diff, { lineWidth: 0 });
  if (groups.length === 0) return 'no proxy would change\n';
  const out: string[] = [];
  for (const g of groups) {
    const group = obj(g);
    const name = first(group, ['group', 'proxyGroup', 'name', 'scope']) ?? '(proxy group)';
    const proxies = first(group, ['proxies', 'proxyCount', 'affectedProxies']);
    const count = Array.isArray(proxies) ? proxies.length : proxies;
    out.push(paint(`proxy group ${String(name)}${count !== undefined ? ` (${String(count)} prox${count === 1 ? 'y' : 'ies'})` : ''}`, 'bold'));
    let any = false;
    for (const [key, sign, color] of SIGNS) {
      for (const entry of Array.isArray(group[key]) ? (group[key] as unknown[]) : []) {
        any = true;
        const line = entryLine(sign, entry);
        out.push('  ' + paint(line.head, color));
        if (line.body) out.push(...line.body.trimEnd().split('\n').map((l) => '    ' + (l.startsWith('+') ? paint(l, 'green') : l.startsWith('-') ? paint(l, 'red') : l)));
      }
    }
    if (!any) {
      const rest = Object.fromEntries(Object.entries(group).filter(([k]) => !['group', 'proxyGroup', 'name', 'scope', 'proxies', 'proxyCount', 'affectedProxies'].includes(k)));
      out.push(...stringify(rest, { lineWidth: 0 }).trimEnd().split('\n').map((l) => '  ' + l));
    }
  }
  return out.join('\n') + '\n';
}
