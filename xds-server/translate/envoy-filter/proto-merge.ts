import protobuf from 'protobufjs';
import type { Type } from 'protobufjs';

export type Obj = Record<string, unknown>;

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * protobuf merge semantics on object-form messages, as EnvoyFilter MERGE means it: set scalars
 * replace, messages merge field by field, repeated fields append, map entries replace by key,
 * setting one member of a oneof clears the others, and a typed config (Any) of the same type
 * merges its contents (of another type, it replaces). Inputs are never changed.
 */
export function protoMerge(type: Type, dst: Readonly<Obj>, src: Readonly<Obj>): Obj {
  if (type.fullName === '.google.protobuf.Any') return mergeAny(type, dst, src);
  const out: Obj = { ...dst };
  for (const [key, value] of Object.entries(src)) {
    const field = type.fields[key];
    if (!field) continue;
    if (field.partOf) for (const other of field.partOf.oneof) if (other !== key) delete out[other];
    const resolved = field.resolve().resolvedType;
    const current = dst[key];
    if (field.map && isObj(current) && isObj(value)) out[key] = { ...current, ...value };
    else if (field.repeated && Array.isArray(current) && Array.isArray(value)) out[key] = [...(current as unknown[]), ...(value as unknown[])];
    else if (!field.repeated && !field.map && resolved instanceof protobuf.Type && isObj(current) && isObj(value)) out[key] = protoMerge(resolved, current, value);
    else out[key] = value;
  }
  return out;
}

function mergeAny(any: Type, dst: Readonly<Obj>, src: Readonly<Obj>): Obj {
  const url = src['@type'];
  if (typeof url !== 'string' || url !== dst['@type']) return { ...src };
  const inner = any.root.lookup(url.slice(url.lastIndexOf('/') + 1));
  if (!(inner instanceof protobuf.Type)) return { ...src };
  const { '@type': _d, ...dstRest } = dst;
  const { '@type': _s, ...srcRest } = src;
  return { '@type': url, ...protoMerge(inner, dstRest, srcRest) };
}
