/** `path: value` lines of a JSON value, leaves only, in key order. */
function flatten(value: unknown, path: string, out: Map<string, string>): void {
  if (Array.isArray(value)) {
    if (value.length === 0) out.set(path, '[]');
    value.forEach((v, i) => flatten(v, `${path}[${i}]`, out));
  } else if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value as Record<string, unknown>).sort();
    if (keys.length === 0) out.set(path, '{}');
    for (const k of keys) flatten((value as Record<string, unknown>)[k], path ? `${path}.${k}` : k, out);
  } else {
    out.set(path, JSON.stringify(value));
  }
}

/**
 * A readable field-level diff of two Envoy resources: `- path: old` and `+ path: new` lines for
 * every leaf that differs, in path order. Empty when they are equal.
 */
export function resourceDiff(before: unknown, after: unknown, maxLines = 200): string[] {
  const a = new Map<string, string>();
  const b = new Map<string, string>();
  flatten(before, '', a);
  flatten(after, '', b);
  const paths = [...new Set([...a.keys(), ...b.keys()])].sort();
  const lines: string[] = [];
  for (const p of paths) {
    const x = a.get(p);
    const y = b.get(p);
    if (x === y) continue;
    if (x !== undefined) lines.push(`- ${p}: ${x}`);
    if (y !== undefined) lines.push(`+ ${p}: ${y}`);
    if (lines.length >= maxLines) {
      lines.push(`… (more differences not shown)`);
      break;
    }
  }
  return lines;
}
