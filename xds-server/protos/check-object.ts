import protobuf from 'protobufjs';
import type { Field, Type } from 'protobufjs';
import type { FieldError } from '../../core/result.ts';

const ANY = '.google.protobuf.Any';
const MAX_DEPTH = 100;
const INT32 = new Set(['int32', 'uint32', 'sint32', 'fixed32', 'sfixed32']);
const INT64 = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

/**
 * Checks a protobufjs object-form message against its type before `fromObject`, which
 * silently drops unknown fields, unknown `@type`s and unknown enum names and coerces
 * mistyped scalars. Returns every problem with its field path.
 */
export function checkObject(type: Type, object: unknown): FieldError[] {
  const errors: FieldError[] = [];
  checkMessage(type, object, '', errors, 0);
  return errors;
}

function join(prefix: string, key: string): string {
  return prefix ? `${prefix}.${key}` : key;
}

function checkMessage(type: Type, value: unknown, path: string, errors: FieldError[], depth: number): void {
  if (depth > MAX_DEPTH) {
    errors.push({ path, message: 'nested too deeply' });
    return;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) {
    errors.push({ path, message: `expected a ${type.name} object` });
    return;
  }
  const object = value as Record<string, unknown>;
  if (type.fullName === ANY && '@type' in object) {
    checkAny(type, object, path, errors, depth);
    return;
  }
  const oneofsSet = new Map<string, string>();
  for (const [key, fieldValue] of Object.entries(object)) {
    if (fieldValue === undefined || fieldValue === null) continue;
    const field = type.fields[key];
    if (!field) {
      // toObject({ oneofs: true }) adds the oneof's name as a virtual key; accept it back.
      if (type.oneofs?.[key]) continue;
      errors.push({ path: join(path, key), message: `unknown field of ${type.fullName.slice(1)}` });
      continue;
    }
    const oneof = field.partOf;
    if (oneof) {
      const other = oneofsSet.get(oneof.name);
      if (other) errors.push({ path: join(path, key), message: `only one of ${oneof.name} may be set (also ${other})` });
      oneofsSet.set(oneof.name, key);
    }
    checkField(field, fieldValue, join(path, key), errors, depth);
  }
}

function checkAny(anyType: Type, object: Record<string, unknown>, path: string, errors: FieldError[], depth: number): void {
  const typeUrl = object['@type'];
  if (typeof typeUrl !== 'string') {
    errors.push({ path: join(path, '@type'), message: 'must be a type URL string' });
    return;
  }
  const found = anyType.root.lookup(typeUrl.slice(typeUrl.lastIndexOf('/') + 1));
  const inner = found instanceof protobuf.Type ? found : undefined;
  if (!inner) {
    errors.push({ path: join(path, '@type'), message: `unknown type ${typeUrl} (its .proto is not loaded)` });
    return;
  }
  const { '@type': _ignored, ...rest } = object;
  checkMessage(inner, rest, `${path}<${inner.name}>`, errors, depth + 1);
}

function checkField(field: Field, value: unknown, path: string, errors: FieldError[], depth: number): void {
  if (field.map) {
    if (typeof value !== 'object' || Array.isArray(value)) {
      errors.push({ path, message: 'expected a map (object)' });
      return;
    }
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) checkSingle(field, v, `${path}[${JSON.stringify(k)}]`, errors, depth);
    return;
  }
  if (field.repeated) {
    if (!Array.isArray(value)) {
      errors.push({ path, message: 'expected a list' });
      return;
    }
    value.forEach((item: unknown, i) => checkSingle(field, item, `${path}[${i}]`, errors, depth));
    return;
  }
  checkSingle(field, value, path, errors, depth);
}

function checkSingle(field: Field, value: unknown, path: string, errors: FieldError[], depth: number): void {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) {
    checkMessage(resolved, value, path, errors, depth + 1);
    return;
  }
  if (resolved instanceof protobuf.Enum) {
    const known = typeof value === 'string' ? value in resolved.values : typeof value === 'number' && Number.isInteger(value);
    if (!known) errors.push({ path, message: `unknown ${resolved.name} value ${JSON.stringify(value)}` });
    return;
  }
  const problem = scalarProblem(field.type, value);
  if (problem) errors.push({ path, message: problem });
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
