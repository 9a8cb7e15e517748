/** A pre-pass over JSON text: JSON.parse silently keeps the last of duplicate keys and has no depth limit. */
export interface JsonScanProblem {
  /** Path to the offending object or key, e.g. `[0].metadata`. */
  path: string;
  message: string;
}

interface Frame {
  kind: 'object' | 'array';
  keys: Set<string>;
  index: number;
  label: string;
  expectKey: boolean;
}

/** Finds the first duplicate key or excessive nesting; syntax errors are left to JSON.parse. */
export function scanJson(text: string, maxDepth: number): JsonScanProblem | undefined {
  const stack: Frame[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const end = endOfString(text, i);
      if (end < 0) return undefined;
      const top = stack[stack.length - 1];
      if (top?.kind === 'object' && top.expectKey) {
        const key = safeDecode(text.slice(i, end + 1));
        if (top.keys.has(key)) return { path: joinKey(pathOf(stack), key), message: `duplicate key ${JSON.stringify(key)}` };
        top.keys.add(key);
        top.label = key;
        top.expectKey = false;
      }
      i = end + 1;
      continue;
    }
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (stack.length >= maxDepth) return { path: pathOf(stack), message: `nesting is deeper than ${maxDepth} levels` };
      stack.push({ kind: c === 0x7b ? 'object' : 'array', keys: new Set(), index: 0, label: '', expectKey: c === 0x7b });
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
    } else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top?.kind === 'object') top.expectKey = true;
      else if (top) top.index += 1;
    }
    i += 1;
  }
  return undefined;
}

function endOfString(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === 0x5c /* \ */) i += 1;
    else if (c === 0x22) return i;
  }
  return -1;
}

function safeDecode(literal: string): string {
  try {
    return JSON.parse(literal) as string;
  } catch {
    return literal;
  }
}

function joinKey(path: string, key: string): string {
  if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${JSON.stringify(key)}]`;
}

function pathOf(stack: readonly Frame[]): string {
  let out = '';
  // The innermost frame is the object holding the duplicate; name the members leading to it.
  for (let d = 0; d < stack.length - 1; d += 1) {
    const frame = stack[d] as Frame;
    if (frame.kind === 'array') out += `[${frame.index}]`;
    else out = joinKey(out, frame.label);
  }
  return out;
}
