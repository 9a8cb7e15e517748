import { Composer, isPair, isScalar, isSeq, visit, type Document } from 'yaml';
import { fail, ok, type FieldError, type Result } from '../result.ts';
import { formatPath, joinPath, type PathSegment } from './field-path.ts';
import { scanJson } from './json-scan.ts';
import { parseCst } from './yaml-tokens.ts';

/** Bounds on what one request body may contain. */
export interface DocumentLimits {
  /** Size of the text in UTF-8 bytes. */
  maxBytes: number;
  /** Objects produced, after Lists and arrays are flattened. */
  maxDocuments: number;
  /** Nesting of maps and sequences. */
  maxDepth: number;
  /** Alias dereferences per YAML document; bounds "billion laughs" expansion. */
  maxAliasCount: number;
}

export const DEFAULT_DOCUMENT_LIMITS: Readonly<DocumentLimits> = Object.freeze({
  maxBytes: 4 * 1024 * 1024,
  maxDocuments: 500,
  maxDepth: 64,
  maxAliasCount: 100,
});

// Keys that would reach Object.prototype if a consumer ever merged parsed objects naively.
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
// The YAML 1.2 core tags; anything else (!!binary, !!js/function, local !tags) is refused.
const ALLOWED_TAGS = new Set(['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => `tag:yaml.org,2002:${t}`));

/**
 * Splits a request body into plain objects: a `---`-separated YAML stream, or JSON (an object,
 * an array of objects, or a Kubernetes `List`). Hostile input fails with a message, never a crash.
 */
export function parseDocuments(text: string, limits: Partial<DocumentLimits> = {}): Result<unknown[]> {
  const l: DocumentLimits = { ...DEFAULT_DOCUMENT_LIMITS, ...limits };
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > l.maxBytes) return fail([{ path: '', message: `body is ${bytes} bytes; the limit is ${l.maxBytes}` }]);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    const first = /\S/.exec(text)?.[0];
    const raw = first === '{' || first === '[' ? parseJson(text, l) : parseYaml(text, l);
    if (!raw.ok) return raw;
    return flatten(raw.value, l);
  } catch (error) {
    // The parsers report problems as values; this is a last line of defence against their bugs.
    return fail([{ path: '', message: `could not parse the body: ${error instanceof Error ? error.message : String(error)}` }]);
  }
}

function parseJson(text: string, l: DocumentLimits): Result<unknown[]> {
  const problem = scanJson(text, l.maxDepth);
  if (problem) return fail([{ path: problem.path, message: problem.message }]);
  try {
    return ok([JSON.parse(text) as unknown]);
  } catch (error) {
    return fail([{ path: '', message: `invalid JSON: ${error instanceof Error ? error.message : String(error)}` }]);
  }
}

function parseYaml(text: string, l: DocumentLimits): Result<unknown[]> {
  // The YAML parser recurses into flow collections; refuse absurd bracket nesting before it does.
  if (flowDepth(text) > l.maxDepth) return fail([{ path: '', message: `nesting is deeper than ${l.maxDepth} levels` }]);
  const composer = new Composer({ uniqueKeys: true, merge: true, prettyErrors: true, strict: true });
  const values: unknown[] = [];
  let index = -1;
  for (const doc of composer.compose(parseCst(text), true)) {
    index += 1;
    if (index >= l.maxDocuments * 2) {
      // Empty documents are skipped, so allow some slack before giving up on the stream.
      return fail([{ path: '', message: `more than ${l.maxDocuments} documents` }]);
    }
    const errors = documentErrors(doc, index);
    if (errors.length > 0) return fail(errors);
    if (doc.contents === null) {
      values.push(undefined);
      continue;
    }
    try {
      values.push(doc.toJS({ maxAliasCount: l.maxAliasCount }));
    } catch (error) {
      const message = error instanceof ReferenceError && /alias/i.test(error.message)
        ? `too many alias expansions (limit ${l.maxAliasCount}); anchors and aliases may not be used to inflate a document`
        : `could not read the document: ${error instanceof Error ? error.message : String(error)}`;
      return fail([{ path: `[${index}]`, message }]);
    }
  }
  return ok(values);
}

/** Deepest run of unclosed `[`/`{` outside quotes and comments; a cheap upper bound on flow nesting. */
function flowDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let quote = '';
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quote) {
      if (c === '\\' && quote === '"') i += 1;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#') {
      const eol = text.indexOf('\n', i);
      i = eol < 0 ? text.length : eol;
    }
    else if (c === '[' || c === '{') max = Math.max(max, ++depth);
    else if ((c === ']' || c === '}') && depth > 0) depth -= 1;
  }
  return max;
}

function documentErrors(doc: Document.Parsed, index: number): FieldError[] {
  const at = `[${index}]`;
  const errors: FieldError[] = doc.errors.map((e) => ({
    path: at,
    message: e.code === 'RESOURCE_EXHAUSTION' ? 'the document is nested too deeply' : e.message.split('\n')[0] ?? e.message,
  }));
  if (errors.length > 0) return errors.slice(0, 10);
  for (const w of doc.warnings) {
    if (w.code === 'TAG_RESOLVE_FAILED') errors.push({ path: at, message: `${w.message.split('\n')[0]}; custom tags are not accepted` });
  }
  visit(doc, {
    Node(_key, node, path) {
      if (node.tag !== undefined && !ALLOWED_TAGS.has(node.tag)) {
        const where = joinPath(at, formatPath(nodePath(path, node)));
        errors.push({ path: where, message: `tag ${node.tag} is not accepted; only plain YAML values are` });
        return visit.SKIP;
      }
      return undefined;
    },
  });
  return errors;
}

/** Map keys and sequence indexes leading to a node, for error messages. */
function nodePath(ancestors: readonly unknown[], node: unknown): PathSegment[] {
  const chain = [...ancestors, node];
  const out: PathSegment[] = [];
  for (let i = 1; i < chain.length; i += 1) {
    const parent = chain[i - 1];
    const child = chain[i];
    if (isSeq(parent)) out.push(parent.items.indexOf(child));
    if (isPair(child)) out.push(isScalar(child.key) ? String(child.key.value) : String(child.key));
  }
  return out;
}

/** Documents → objects: arrays and Kubernetes Lists are flattened; scalars and forbidden keys are errors. */
function flatten(docs: unknown[], l: DocumentLimits): Result<unknown[]> {
  const single = docs.length === 1;
  const out: unknown[] = [];
  const errors: FieldError[] = [];
  const take = (value: unknown, path: string) => {
    if (!isPlainObject(value)) {
      errors.push({ path, message: `expected an object (a resource), got ${describe(value)}` });
      return;
    }
    const problem = checkTree(value, l.maxDepth);
    if (problem) errors.push({ path: joinPath(path, problem.path), message: problem.message });
    else out.push(value);
  };
  docs.forEach((doc, d) => {
    const at = single ? '' : `[${d}]`;
    if (doc === undefined || doc === null) return;
    if (Array.isArray(doc)) doc.forEach((item, i) => take(item, `${at}[${i}]`));
    else if (isList(doc)) doc.items.forEach((item, i) => take(item, joinPath(at, `items[${i}]`)));
    else take(doc, single ? '[0]' : at);
  });
  if (errors.length > 0) return fail(errors.slice(0, 50));
  if (out.length > l.maxDocuments) return fail([{ path: '', message: `${out.length} documents; the limit is ${l.maxDocuments}` }]);
  return ok(out);
}

function isList(value: unknown): value is { items: unknown[] } {
  if (!isPlainObject(value)) return false;
  const kind = value['kind'];
  return typeof kind === 'string' && kind.endsWith('List') && Array.isArray(value['items']);
}

/** Depth and forbidden keys, walked without recursion so hostile nesting cannot overflow the stack. */
function checkTree(root: Record<string, unknown>, maxDepth: number): { path: string; message: string } | undefined {
  const stack: { value: unknown; path: PathSegment[] }[] = [{ value: root, path: [] }];
  while (stack.length > 0) {
    const { value, path } = stack.pop() as { value: unknown; path: PathSegment[] };
    if (value === null || typeof value !== 'object') continue;
    if (path.length >= maxDepth) return { path: formatPath(path), message: `nesting is deeper than ${maxDepth} levels` };
    if (Array.isArray(value)) {
      value.forEach((item, i) => stack.push({ value: item, path: [...path, i] }));
      continue;
    }
    if (!isPlainObject(value)) return { path: formatPath(path), message: `expected plain data, got ${describe(value)}` };
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key)) return { path: formatPath([...path, key]), message: `the key "${key}" is not allowed` };
      stack.push({ value: value[key], path: [...path, key] });
    }
  }
  return undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Uint8Array) return 'binary data';
  if (typeof value === 'object') return 'a non-plain object';
  return `a ${typeof value} (${JSON.stringify(value)?.slice(0, 40)})`;
}
