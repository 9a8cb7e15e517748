import { parse, type CollectionTag, type ScalarTag } from 'yaml';
import type { FieldError } from '../../result.ts';

// CloudFormation's short forms (`!Ref X`, `!GetAtt A.B`, `!Sub ...`) read as their long forms.
const FUNCTIONS = ['Base64', 'Cidr', 'FindInMap', 'GetAtt', 'GetAZs', 'ImportValue', 'Join', 'Select', 'Split', 'Sub', 'Transform', 'And', 'Equals', 'If', 'Not', 'Or', 'Condition'];

function cloudFormationTags(): (ScalarTag | CollectionTag)[] {
  const tags: (ScalarTag | CollectionTag)[] = [{ tag: '!Ref', resolve: (value: string) => ({ Ref: value }) }];
  for (const fn of FUNCTIONS) {
    const key = fn === 'Condition' ? 'Condition' : `Fn::${fn}`;
    // `!GetAtt A.B.C` is resource A's attribute B.C (a dotted attribute such as Endpoint.Address).
    const scalar = fn === 'GetAtt' ? (value: string) => ({ [key]: value.includes('.') ? [value.slice(0, value.indexOf('.')), value.slice(value.indexOf('.') + 1)] : [value] }) : (value: string) => ({ [key]: value });
    tags.push({ tag: `!${fn}`, resolve: scalar });
    tags.push({ tag: `!${fn}`, collection: 'seq', resolve: (seq) => ({ [key]: seq.toJSON() }) } as CollectionTag);
    tags.push({ tag: `!${fn}`, collection: 'map', resolve: (map) => ({ [key]: map.toJSON() }) } as CollectionTag);
  }
  return tags;
}
const TAGS = cloudFormationTags();

// Keys that would reach Object.prototype if parsed objects were ever merged naively.
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** The first problem with a parsed value's shape: too deep, or a key that could pollute prototypes. */
function shapeProblem(value: unknown, maxDepth: number, depth = 0, path = ''): FieldError | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (depth > maxDepth) return { path, message: `nested deeper than ${maxDepth} levels` };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = shapeProblem(value[i], maxDepth, depth + 1, `${path}[${i}]`);
      if (p) return p;
    }
    return undefined;
  }
  for (const [key, v] of Object.entries(value)) {
    if (FORBIDDEN_KEYS.has(key)) return { path: path ? `${path}.${key}` : key, message: `the key "${key}" is not allowed` };
    const p = shapeProblem(v, maxDepth, depth + 1, path ? `${path}.${key}` : key);
    if (p) return p;
  }
  return undefined;
}

/** JSON or YAML (with CloudFormation short-form tags) to a plain value, or an error saying why not. */
export function parseText(text: string, maxDepth: number): { ok: true; value: unknown } | { ok: false; error: FieldError } {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let value: unknown;
  try {
    const first = /\S/.exec(text)?.[0];
    value = first === '{' || first === '[' ? JSON.parse(text) : parse(text, { customTags: TAGS, maxAliasCount: 100, uniqueKeys: true });
  } catch (error) {
    return { ok: false, error: { path: '', message: `not valid JSON or YAML: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}` } };
  }
  const problem = shapeProblem(value, maxDepth);
  return problem ? { ok: false, error: problem } : { ok: true, value };
}
