/** RFC 6902 operations the injector emits (it only ever adds). */
export interface JsonPatchOperation {
  op: 'add';
  path: string;
  value: unknown;
}

/** RFC 6901: `~` and `/` inside a reference token. */
export function pointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

function parent(doc: unknown, tokens: string[]): unknown {
  let node = doc;
  for (const token of tokens) {
    if (Array.isArray(node)) node = node[Number(token)];
    else if (node !== null && typeof node === 'object') node = (node as Record<string, unknown>)[token];
    else throw new RangeError(`no such path: /${tokens.join('/')}`);
  }
  return node;
}

/** Applies `add` operations to a copy of `doc`, the way the API server will: the injector shows the pod it asked for. */
export function applyPatch<T>(doc: T, patch: readonly JsonPatchOperation[]): T {
  const out = structuredClone(doc);
  for (const op of patch) {
    const tokens = op.path.split('/').slice(1).map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = tokens.pop();
    const target = parent(out, tokens);
    if (last === undefined) throw new RangeError('cannot replace the whole document');
    if (Array.isArray(target)) {
      if (last === '-') target.push(op.value);
      else target.splice(Number(last), 0, op.value);
    } else if (target !== null && typeof target === 'object') {
      (target as Record<string, unknown>)[last] = op.value;
    } else {
      throw new RangeError(`no such path: ${op.path}`);
    }
  }
  return out;
}
