import type { IstioResource } from '../../resources/index.ts';
import { parseResource } from '../../resources/parse-resource.ts';
import { unsupportedFieldErrors } from '../../resources/unsupported.ts';
import type { ImportReport } from '../report.ts';
import { where } from './context.ts';

/** `spec.a.b[0]["x.y"]` → `['a', 'b', 0, 'x.y']` (without the leading `spec`). */
function specSegments(path: string): (string | number)[] {
  const segments: (string | number)[] = [];
  for (const m of path.matchAll(/\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]|([^.[\]]+)/g)) {
    if (m[1] !== undefined) segments.push(Number(m[1]));
    else if (m[2] !== undefined) segments.push(JSON.parse(`"${m[2]}"`) as string);
    else segments.push(m[3]!);
  }
  return segments[0] === 'spec' ? segments.slice(1) : segments;
}

/** Deletes the field at `segments`, then the objects it leaves empty (an empty `connectionPool: { tcp: {} }` says nothing). */
function deleteAt(root: unknown, segments: readonly (string | number)[]): void {
  const chain: Record<string | number, unknown>[] = [];
  let node = root as Record<string | number, unknown> | undefined;
  for (const s of segments.slice(0, -1)) {
    if (!node || typeof node !== 'object') return;
    chain.push(node);
    node = node[s] as Record<string | number, unknown> | undefined;
  }
  if (!node || typeof node !== 'object') return;
  delete node[segments[segments.length - 1]!];
  for (let i = chain.length - 1; i >= 0; i--) {
    const child = chain[i]![segments[i]!];
    const empty = typeof child === 'object' && child !== null && !Array.isArray(child) && Object.keys(child).length === 0;
    if (!empty) break;
    delete chain[i]![segments[i]!];
  }
}

/**
 * Every emitted resource must be one the API accepts: fields Trellis refuses as unsupported are
 * dropped and reported, then each resource is parsed as the API would; one that still fails is left out.
 */
export function checkOutput(resources: readonly IstioResource[], origin: ReadonlyMap<IstioResource, string>, report: ImportReport): IstioResource[] {
  const accepted: IstioResource[] = [];
  for (const r of resources) {
    const source = origin.get(r) ?? `${r.kind}/${r.metadata.name}`;
    for (const e of unsupportedFieldErrors(r.kind, r.spec)) {
      deleteAt(r.spec, specSegments(e.path));
      report.none(source, '(converted)', `${where(r, e.path)} dropped: Trellis refuses it (${e.message})`);
    }
    const parsed = parseResource(r);
    if (parsed.ok) {
      accepted.push(r);
      continue;
    }
    report.leftOut(source, '(converted)', `${where(r)} left out: ${parsed.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
  }
  return accepted;
}
