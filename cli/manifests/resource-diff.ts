import { stringify } from 'yaml';
import { isKindName, storedApiVersion } from '../../core/resources/kinds.ts';
import { unifiedDiff } from '../output/unified-diff.ts';

type Obj = Record<string, unknown>;

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, sortKeys((value as Obj)[k])]),
  );
}

/** The parts a user writes, in a stable shape: server fields dropped, keys sorted, version as stored. */
export function comparable(doc: unknown): Obj {
  const d = (typeof doc === 'object' && doc !== null ? doc : {}) as Obj;
  const meta = (typeof d.metadata === 'object' && d.metadata !== null ? d.metadata : {}) as Obj;
  const kind = typeof d.kind === 'string' ? d.kind : '';
  return sortKeys({
    apiVersion: isKindName(kind) ? storedApiVersion(kind) : d.apiVersion,
    kind,
    metadata: {
      name: meta.name,
      namespace: meta.namespace ?? 'default',
      ...(meta.labels ? { labels: meta.labels } : {}),
      ...(meta.annotations ? { annotations: meta.annotations } : {}),
    },
    spec: d.spec ?? {},
  }) as Obj;
}

/** A unified diff of the stored object (undefined: absent) against the one in the file. */
export function resourceDiff(stored: unknown, local: unknown, label: string): string {
  const before = stored === undefined ? '' : stringify(comparable(stored), { lineWidth: 0 });
  const after = stringify(comparable(local), { lineWidth: 0 });
  return unifiedDiff(before, after, { from: stored === undefined ? '/dev/null' : `live/${label}`, to: `file/${label}` });
}
