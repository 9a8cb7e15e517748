import type { HeaderOperations, HttpRoute } from '../mesh/mesh-model.ts';
import type { TranslationIssue } from '../translation-result.ts';

type Headers = NonNullable<HttpRoute['headers']>;

export interface HeaderOrigin {
  source: string;
  field: string;
}

// Envoy refuses to add or remove pseudo-headers and Host through these lists.
const isProtected = (name: string) => name.startsWith(':') || name.toLowerCase() === 'host';

function toAdd(ops: HeaderOperations, origin: HeaderOrigin, issues: TranslationIssue[]): Record<string, unknown>[] {
  const options: Record<string, unknown>[] = [];
  const push = (entries: Record<string, string> | undefined, action: string, verb: 'set' | 'add') => {
    for (const [key, value] of Object.entries(entries ?? {})) {
      if (isProtected(key)) {
        issues.push({ resource: origin.source, field: `${origin.field}.${verb}.${key}`, message: 'pseudo-headers and Host cannot be changed here (use rewrite.authority); ignored' });
        continue;
      }
      options.push({ header: { key, value }, append_action: action });
    }
  };
  push(ops.set, 'OVERWRITE_IF_EXISTS_OR_ADD', 'set');
  push(ops.add, 'APPEND_IF_EXISTS_OR_ADD', 'add');
  return options;
}

function toRemove(ops: HeaderOperations, origin: HeaderOrigin, issues: TranslationIssue[]): string[] {
  return (ops.remove ?? []).filter((name, i) => {
    if (!isProtected(name)) return true;
    issues.push({ resource: origin.source, field: `${origin.field}.remove[${i}]`, message: 'pseudo-headers and Host cannot be removed; ignored' });
    return false;
  });
}

/** `request_headers_to_add/remove` and `response_headers_to_add/remove` (same names on Route and ClusterWeight). */
export function headerFields(headers: Headers | undefined, origin: HeaderOrigin, issues: TranslationIssue[]): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  const sides = [
    ['request', headers?.request],
    ['response', headers?.response],
  ] as const;
  for (const [side, ops] of sides) {
    if (!ops) continue;
    const where = { source: origin.source, field: `${origin.field}.${side}` };
    const add = toAdd(ops, where, issues);
    const remove = toRemove(ops, where, issues);
    if (add.length > 0) fields[`${side}_headers_to_add`] = add;
    if (remove.length > 0) fields[`${side}_headers_to_remove`] = remove;
  }
  return fields;
}
