import type { ConfigPreview } from '../../core/proxies/config-preview.ts';
import type { Paint } from './color.ts';

const SIGN = { added: ['+', 'green'], changed: ['~', 'yellow'], removed: ['-', 'red'] } as const;

/** The dry run's per-proxy-group preview: a heading per group, then +/~/- per Envoy resource with its field diff. */
export function formatProxyDiff(preview: ConfigPreview, paint: Paint): string {
  if (preview.groups.length === 0) return 'no connected proxy would change\n';
  const out = [paint(`${preview.proxiesAffected} connected prox${preview.proxiesAffected === 1 ? 'y' : 'ies'} would change`, 'bold')];
  for (const g of preview.groups) {
    out.push(paint(`proxy group ${g.group} (${g.kind}, namespace ${g.namespace}, ${g.proxies} prox${g.proxies === 1 ? 'y' : 'ies'})`, 'bold'));
    for (const c of g.changes) {
      const [sign, color] = SIGN[c.action];
      out.push('  ' + paint(`${sign} ${c.type.toUpperCase()} ${c.name}`, color));
      for (const line of c.diff ?? []) out.push('    ' + (line.startsWith('+') ? paint(line, 'green') : line.startsWith('-') ? paint(line, 'red') : line));
    }
  }
  return out.join('\n') + '\n';
}
