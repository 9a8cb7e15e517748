import { formatPath, type PathSegment } from '../../resources/field-path.ts';
import { issuesToFieldErrors } from '../../resources/zod-issues.ts';
import { APP_MESH_KINDS, APP_MESH_KIND_NAMES, type AppMeshKind } from '../kinds.ts';
import type { ReadSink } from './sink.ts';

const at = (file: string, path: readonly PathSegment[]) => `${file}:${formatPath(path) || '$'}`;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The kind of a bare resource object (`{ meshName, virtualNodeName, spec }`), by its name keys. */
function bareKind(value: Record<string, unknown>): AppMeshKind | undefined {
  if (!('spec' in value) || !('meshName' in value)) return undefined;
  const named = APP_MESH_KIND_NAMES.filter((k) => k !== 'Mesh' && APP_MESH_KINDS[k].nameKey in value);
  if (named.length === 1) return named[0];
  return named.length === 0 ? 'Mesh' : undefined;
}

function readResource(kind: AppMeshKind, value: unknown, file: string, path: PathSegment[], sink: ReadSink): void {
  const parsed = APP_MESH_KINDS[kind].schema.safeParse(value);
  if (!parsed.success) {
    for (const e of issuesToFieldErrors(parsed.error.issues, path)) sink.errors.push({ path: `${file}:${e.path}`, message: e.message });
    return;
  }
  sink.add(kind, parsed.data as never, at(file, path));
}

function readList(kind: AppMeshKind, items: unknown, file: string, path: PathSegment[], sink: ReadSink): void {
  if (!Array.isArray(items)) {
    sink.errors.push({ path: at(file, path), message: `expected the list of a list-* call, got ${typeof items}` });
    return;
  }
  const { nameKey, parentKey } = APP_MESH_KINDS[kind];
  items.forEach((item, i) => {
    const p = [...path, i];
    if (!isObject(item) || typeof item[nameKey] !== 'string' || (kind !== 'Mesh' && typeof item.meshName !== 'string')) {
      sink.errors.push({ path: at(file, p), message: `a ${kind} reference needs ${kind === 'Mesh' ? '' : 'meshName and '}${nameKey}` });
      return;
    }
    const parent = parentKey && typeof item[parentKey] === 'string' ? { parent: item[parentKey] } : {};
    sink.inventory.listed.push({ kind, meshName: String(item.meshName ?? item[nameKey]), name: item[nameKey], ...parent, source: at(file, p) });
  });
}

/**
 * Reads the JSON of `aws appmesh describe-*` (`{ "virtualNode": {...} }`), `list-*` output, bare
 * resource objects, and arrays of any of these.
 */
export function readDescribeOutput(value: unknown, file: string, path: PathSegment[], sink: ReadSink, depth = 0): void {
  if (Array.isArray(value) && depth < 2) {
    value.forEach((item, i) => readDescribeOutput(item, file, [...path, i], sink, depth + 1));
    return;
  }
  if (!isObject(value)) {
    sink.errors.push({ path: at(file, path), message: `expected an App Mesh describe-* or list-* output object, got ${Array.isArray(value) ? 'a nested array' : value === null ? 'null' : typeof value}` });
    return;
  }
  const keys = Object.keys(value).filter((k) => k !== 'nextToken');
  for (const kind of APP_MESH_KIND_NAMES) {
    const { describeKey, listKey } = APP_MESH_KINDS[kind];
    if (keys.length === 1 && keys[0] === describeKey) return readResource(kind, value[describeKey], file, [...path, describeKey], sink);
    if (keys.length === 1 && keys[0] === listKey) return readList(kind, value[listKey], file, [...path, listKey], sink);
  }
  const bare = bareKind(value);
  if (bare) return readResource(bare, value, file, path, sink);
  const expected = APP_MESH_KIND_NAMES.map((k) => APP_MESH_KINDS[k].describeKey).join(', ');
  sink.errors.push({ path: at(file, path), message: `not App Mesh output: expected one key of ${expected} (or a list-* key), got ${keys.slice(0, 5).join(', ') || 'an empty object'}` });
}
