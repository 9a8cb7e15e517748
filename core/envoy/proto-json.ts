import protobuf from 'protobufjs';
import type { Field, Type } from 'protobufjs';
import type { FieldError } from '../result.ts';

/** Rules applied while reading (the host-access rules): on each typed config's type, and on every message read. */
export interface MessageCheck {
  /** Why an Any may not hold this type, or undefined. */
  refusedType(typeName: string): string | undefined;
  /** Problems with one message read, at its path. */
  message(typeName: string, value: Readonly<Record<string, unknown>>, path: string): readonly FieldError[];
}

export interface ProtoJsonResult {
  /** protobufjs object form (snake_case field names, wrappers and durations as objects), as translation builds resources. */
  value: Record<string, unknown>;
  errors: FieldError[];
}

const MAX_DEPTH = 64;
const INT32 = new Set(['int32', 'uint32', 'sint32', 'fixed32', 'sfixed32']);
const INT64 = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const WRAPPERS: Readonly<Record<string, string>> = {
  'google.protobuf.DoubleValue': 'double',
  'google.protobuf.FloatValue': 'float',
  'google.protobuf.Int64Value': 'int64',
  'google.protobuf.UInt64Value': 'uint64',
  'google.protobuf.Int32Value': 'int32',
  'google.protobuf.UInt32Value': 'uint32',
  'google.protobuf.BoolValue': 'bool',
  'google.protobuf.StringValue': 'string',
  'google.protobuf.BytesValue': 'bytes',
};
const DURATION = /^(-)?(\d{1,12})(?:\.(\d{1,9}))?s$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const join = (path: string, key: string) => (path ? `${path}.${key}` : key);
const camel = (name: string) => name.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

/**
 * Reads an Envoy message written in proto3 JSON (camelCase or snake_case names, `"5s"` durations,
 * bare wrapper values, `@type` in Any) into protobufjs object form, checking every field against
 * its type: unknown fields, unknown types, bad enum names and mistyped values are errors with paths.
 */
export function readProtoJson(type: Type, json: unknown, path: string, check: MessageCheck): ProtoJsonResult {
  const errors: FieldError[] = [];
  const value = readMessage(type, json, path, errors, check, 0);
  return { value: isObject(value) ? value : {}, errors };
}

function fieldsByName(type: Type): Map<string, Field> {
  const byName = new Map<string, Field>();
  for (const field of type.fieldsArray) {
    byName.set(field.name, field);
    byName.set(camel(field.name), field);
  }
  return byName;
}

function readMessage(type: Type, json: unknown, path: string, errors: FieldError[], check: MessageCheck, depth: number): unknown {
  if (depth > MAX_DEPTH) {
    errors.push({ path, message: 'nested too deeply' });
    return undefined;
  }
  const name = type.fullName.slice(1);
  const special = readWellKnown(type, json, path, errors, check, depth);
  if (special !== NOT_SPECIAL) return special;
  if (!isObject(json)) {
    errors.push({ path, message: `expected a ${name} object` });
    return undefined;
  }
  const fields = fieldsByName(type);
  const out: Record<string, unknown> = {};
  const oneofs = new Map<string, string>();
  for (const [key, raw] of Object.entries(json)) {
    if (raw === null || raw === undefined) continue;
    const field = fields.get(key);
    if (!field) {
      errors.push({ path: join(path, key), message: `unknown field of ${name}` });
      continue;
    }
    if (field.partOf) {
      const other = oneofs.get(field.partOf.name);
      if (other) errors.push({ path: join(path, key), message: `only one of ${field.partOf.name} may be set (also ${other})` });
      oneofs.set(field.partOf.name, key);
    }
    const read = readField(field, raw, join(path, key), errors, check, depth);
    if (read !== undefined) out[field.name] = read;
  }
  errors.push(...check.message(name, out, path));
  return out;
}

const NOT_SPECIAL = Symbol('not special');

function readWellKnown(type: Type, json: unknown, path: string, errors: FieldError[], check: MessageCheck, depth: number): unknown {
  const name = type.fullName.slice(1);
  // The Any's inner type is looked up in the same root as the Any itself.
  if (name === 'google.protobuf.Any') return readAny(type.root, json, path, errors, check, depth);
  if (name === 'google.protobuf.Duration') return readDuration(json, path, errors);
  if (name === 'google.protobuf.Struct') return isObject(json) ? readStruct(json, path, errors, depth) : bad(errors, path, 'expected an object');
  if (name === 'google.protobuf.Value') return readValue(json, path, errors, depth);
  if (name === 'google.protobuf.ListValue') return Array.isArray(json) ? { values: json.map((v, i) => readValue(v, `${path}[${i}]`, errors, depth + 1)) } : bad(errors, path, 'expected a list');
  const wrapped = WRAPPERS[name];
  if (wrapped) {
    // Both the JSON form (a bare value) and the object form ({ value }) are accepted.
    const inner = isObject(json) && 'value' in json ? json['value'] : json;
    const scalar = readScalar(wrapped, inner, path, errors);
    return scalar === undefined ? undefined : { value: scalar };
  }
  return NOT_SPECIAL;
}

function bad(errors: FieldError[], path: string, message: string): undefined {
  errors.push({ path, message });
  return undefined;
}

function readAny(root: protobuf.Root, json: unknown, path: string, errors: FieldError[], check: MessageCheck, depth: number): unknown {
  if (!isObject(json)) return bad(errors, path, 'expected an object with @type');
  const typeUrl = json['@type'];
  if (typeof typeUrl !== 'string') return bad(errors, join(path, '@type'), 'a typed config needs "@type": type.googleapis.com/<message>');
  const typeName = typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
  const refused = check.refusedType(typeName);
  if (refused) return bad(errors, join(path, '@type'), refused);
  const found = root.lookup(typeName);
  if (!(found instanceof protobuf.Type)) return bad(errors, join(path, '@type'), `unknown type ${typeUrl}: Trellis does not accept this extension in a patch`);
  const { '@type': _url, ...rest } = json;
  const inner = readMessage(found, rest, path, errors, check, depth + 1);
  return isObject(inner) ? { '@type': typeUrl, ...inner } : undefined;
}

function readDuration(json: unknown, path: string, errors: FieldError[]): unknown {
  if (isObject(json)) {
    const seconds = Number(json['seconds'] ?? 0);
    const nanos = Number(json['nanos'] ?? 0);
    if (!Number.isInteger(seconds) || !Number.isInteger(nanos)) return bad(errors, path, 'expected a duration such as "5s"');
    return { seconds, nanos };
  }
  const m = typeof json === 'string' ? DURATION.exec(json) : null;
  if (!m) return bad(errors, path, 'expected a duration such as "5s" or "0.25s"');
  const sign = m[1] ? -1 : 1;
  return { seconds: sign * Number(m[2]), nanos: sign * Number((m[3] ?? '').padEnd(9, '0')) };
}

function readStruct(json: Record<string, unknown>, path: string, errors: FieldError[], depth: number): unknown {
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(json)) fields[k] = readValue(v, join(path, k), errors, depth + 1);
  return { fields };
}

function readValue(json: unknown, path: string, errors: FieldError[], depth: number): unknown {
  if (depth > MAX_DEPTH) return bad(errors, path, 'nested too deeply');
  if (json === null) return { null_value: 'NULL_VALUE' };
  if (typeof json === 'number') return { number_value: json };
  if (typeof json === 'string') return { string_value: json };
  if (typeof json === 'boolean') return { bool_value: json };
  if (Array.isArray(json)) return { list_value: { values: json.map((v, i) => readValue(v, `${path}[${i}]`, errors, depth + 1)) } };
  if (isObject(json)) return { struct_value: readStruct(json, path, errors, depth) };
  return bad(errors, path, 'expected a JSON value');
}

function readField(field: Field, raw: unknown, path: string, errors: FieldError[], check: MessageCheck, depth: number): unknown {
  if (field.map) {
    if (!isObject(raw)) return bad(errors, path, 'expected a map (object)');
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(raw)) out[k] = readSingle(field, v, `${path}[${JSON.stringify(k)}]`, errors, check, depth);
    return out;
  }
  if (field.repeated) {
    if (!Array.isArray(raw)) return bad(errors, path, 'expected a list');
    return raw.map((v, i) => readSingle(field, v, `${path}[${i}]`, errors, check, depth));
  }
  return readSingle(field, raw, path, errors, check, depth);
}

function readSingle(field: Field, raw: unknown, path: string, errors: FieldError[], check: MessageCheck, depth: number): unknown {
  const resolved = field.resolve().resolvedType;
  if (resolved instanceof protobuf.Type) return readMessage(resolved, raw, path, errors, check, depth + 1);
  if (resolved instanceof protobuf.Enum) {
    if (typeof raw === 'string' && Object.hasOwn(resolved.values, raw)) return raw;
    if (typeof raw === 'number' && Object.values(resolved.values).includes(raw)) return raw;
    return bad(errors, path, `must be one of ${Object.keys(resolved.values).join(', ')}`);
  }
  return readScalar(field.type, raw, path, errors);
}

function readScalar(type: string, raw: unknown, path: string, errors: FieldError[]): unknown {
  if (INT32.has(type)) {
    const n = typeof raw === 'string' && /^-?\d+$/.test(raw) ? Number(raw) : raw;
    if (typeof n !== 'number' || !Number.isInteger(n) || (type.startsWith('u') || type === 'fixed32' ? n < 0 || n > 0xffffffff : n < -0x80000000 || n > 0x7fffffff)) return bad(errors, path, `expected a ${type}`);
    return n;
  }
  if (INT64.has(type)) {
    if (typeof raw === 'number' && Number.isSafeInteger(raw)) return raw;
    if (typeof raw === 'string' && /^-?\d{1,20}$/.test(raw)) return raw;
    return bad(errors, path, `expected a ${type}`);
  }
  if (type === 'double' || type === 'float') {
    if (typeof raw === 'number' || raw === 'NaN' || raw === 'Infinity' || raw === '-Infinity') return typeof raw === 'number' ? raw : Number(raw);
    return bad(errors, path, `expected a number`);
  }
  if (type === 'bool') return typeof raw === 'boolean' ? raw : bad(errors, path, 'expected true or false');
  if (type === 'string') return typeof raw === 'string' ? raw : bad(errors, path, 'expected a string');
  if (type === 'bytes') return typeof raw === 'string' && /^[A-Za-z0-9+/_-]*={0,2}$/.test(raw) ? raw : bad(errors, path, 'expected base64 bytes');
  return bad(errors, path, `unsupported field type ${type}`);
}
