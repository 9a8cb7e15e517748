import protobuf from 'protobufjs';
import type { Field, Type } from 'protobufjs';
import type { FieldError } from '../../core/result.ts';

const ANY = '.google.protobuf.Any';
const MAX_DEPTH = 100;
const INT32 = new Set(['int32', 'uint32', 'sint32', 'fixed32', 'sfixed32']);
const INT64 = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

/**
 * Where the check is: field names, list indexes, map keys and the message type an Any holds.
 * Kept as a stack and written out as a path only for an error: every resource a proxy gets passes
 * through here, and building the path string of every field it has was a third of the check.
 */
type Segment = string | number | { readonly mapKey: string } | { readonly any: string };

class Check {
  readonly errors: FieldError[] = [];
  private readonly at: Segment[] = [];

  enter(segment: Segment): void {
    this.at.push(segment);
  }

  leave(): void {
    this.at.pop();
  }

  /** An error here, or in `field` of the message here. */
  error(message: string, field?: string): void {
    let path = '';
    for (const segment of field === undefined ? this.at : [...this.at, field]) {
      if (typeof segment === 'string') path = path ? `${path}.${segment}` : segment;
      else if (typeof segment === 'number') path += `[${segment}]`;
      else if ('mapKey' in segment) path += `[${JSON.stringify(segment.mapKey)}]`;
      else path += `<${segment.any}>`;
    }
    this.errors.push({ path, message });
  }
}

/**
 * Checks a protobufjs object-form message against its type before `fromObject`, which
 * silently drops unknown fields, unknown `@type`s and unknown enum names and coerces
 * mistyped scalars. Returns every problem with its field path.
 */
export function checkObject(type: Type, object: unknown): FieldError[] {
  const check = new Check();
  checkMessage(type, object, check, 0);
  return check.errors;
}

// Reading a type's fullName walks its parents and joins their names: ask it only of types named Any.
const isAny = (type: Type): boolean => type.name === 'Any' && type.fullName === ANY;

/** The message type an Any's `@type` names, per root (a lookup walks the namespace). */
const typesByUrl = new WeakMap<protobuf.Root, Map<string, Type | undefined>>();
function typeForUrl(anyType: Type, typeUrl: string): Type | undefined {
  const root = anyType.root;
  let known = typesByUrl.get(root);
  if (!known) typesByUrl.set(root, (known = new Map()));
  if (known.has(typeUrl)) return known.get(typeUrl);
  const found = root.lookup(typeUrl.slice(typeUrl.lastIndexOf('/') + 1));
  const type = found instanceof protobuf.Type ? found : undefined;
  // Bounded: a hostile resource could name endless made-up types.
  if (known.size < 4096) known.set(typeUrl, type);
  return type;
}

function checkMessage(type: Type, value: unknown, check: Check, depth: number): void {
  if (depth > MAX_DEPTH) {
    check.error('nested too deeply');
    return;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) {
    check.error(`expected a ${type.name} object`);
    return;
  }
  const object = value as Record<string, unknown>;
  const any = isAny(type) && '@type' in object;
  // An Any's fields are its inner message's, one level deeper.
  const inner = any ? checkAny(type, object, check, depth) : type;
  if (!inner) return;
  const fieldDepth = any ? depth + 1 : depth;
  let oneofsSet: Map<string, string> | undefined;
  for (const key of Object.keys(object)) {
    if (any && key === '@type') continue;
    const fieldValue = object[key];
    if (fieldValue === undefined || fieldValue === null) continue;
    const field = inner.fields[key];
    if (!field) {
      // toObject({ oneofs: true }) adds the oneof's name as a virtual key; accept it back.
      if (inner.oneofs?.[key]) continue;
      check.error(`unknown field of ${inner.fullName.slice(1)}`, key);
      continue;
    }
    const oneof = field.partOf;
    if (oneof) {
      oneofsSet ??= new Map();
      const other = oneofsSet.get(oneof.name);
      if (other) check.error(`only one of ${oneof.name} may be set (also ${other})`, key);
      oneofsSet.set(oneof.name, key);
    }
    check.enter(key);
    checkField(field, fieldValue, check, fieldDepth);
    check.leave();
  }
  if (any) check.leave();
}

/** The type an Any's `@type` names, entered (the caller leaves it); undefined, with the error, when there is none to check. */
function checkAny(anyType: Type, object: Record<string, unknown>, check: Check, depth: number): Type | undefined {
  const typeUrl = object['@type'];
  if (typeof typeUrl !== 'string') {
    check.error('must be a type URL string', '@type');
    return undefined;
  }
  const inner = typeForUrl(anyType, typeUrl);
  if (!inner) {
    check.error(`unknown type ${typeUrl} (its .proto is not loaded)`, '@type');
    return undefined;
  }
  check.enter({ any: inner.name });
  if (depth + 1 > MAX_DEPTH) {
    check.error('nested too deeply');
    check.leave();
    return undefined;
  }
  return inner;
}

function checkField(field: Field, value: unknown, check: Check, depth: number): void {
  if (field.map) {
    if (typeof value !== 'object' || Array.isArray(value)) {
      check.error('expected a map (object)');
      return;
    }
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      check.enter({ mapKey: k });
      checkSingle(field, v, check, depth);
      check.leave();
    }
    return;
  }
  if (field.repeated) {
    if (!Array.isArray(value)) {
      check.error('expected a list');
      return;
    }
    for (let i = 0; i < value.length; i++) {
      check.enter(i);
      checkSingle(field, value[i], check, depth);
      check.leave();
    }
    return;
  }
  checkSingle(field, value, check, depth);
}

function checkSingle(field: Field, value: unknown, check: Check, depth: number): void {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) {
    checkMessage(resolved, value, check, depth + 1);
    return;
  }
  if (resolved instanceof protobuf.Enum) {
    const known = typeof value === 'string' ? value in resolved.values : typeof value === 'number' && Number.isInteger(value);
    if (!known) check.error(`unknown ${resolved.name} value ${JSON.stringify(value)}`);
    return;
  }
  const problem = scalarProblem(field.type, value);
  if (problem) check.error(problem);
}

function scalarProblem(type: string, value: unknown): string | undefined {
  if (type === 'string') return typeof value === 'string' ? undefined : 'expected a string';
  if (type === 'bool') return typeof value === 'boolean' ? undefined : 'expected a boolean';
  if (type === 'bytes') return value instanceof Uint8Array || typeof value === 'string' ? undefined : 'expected bytes (Uint8Array or base64)';
  if (type === 'double' || type === 'float') return typeof value === 'number' ? undefined : 'expected a number';
  if (INT32.has(type)) return Number.isInteger(value) ? undefined : 'expected an integer';
  if (INT64.has(type)) {
    const ok = Number.isInteger(value) || (typeof value === 'string' && /^-?\d+$/.test(value));
    return ok ? undefined : 'expected an integer (number or decimal string)';
  }
  return undefined;
}
