import { formatPath, type PathSegment } from '../../resources/field-path.ts';
import type { FieldError } from '../../result.ts';

export interface TemplateContext {
  /** Parameter values: the template's defaults overridden by the caller's (also `AWS::Region` and other pseudo parameters). */
  parameters: Readonly<Record<string, string>>;
  /** Logical ID → resource in the template. */
  resources: Readonly<Record<string, { Type?: unknown; Properties?: unknown }>>;
  /** Logical ID → attribute → value: names CloudFormation generates for unnamed App Mesh resources (their logical IDs). */
  attributes: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** `LogicalId.Attribute` being resolved, to stop on cycles. */
  resolving: Set<string>;
  /** Where a value was left unresolved on purpose (an ARN of a resource outside App Mesh). */
  notes: { path: string; message: string }[];
}

const PREFIX = 'Resources';

class Unresolvable extends Error {
  path: string | undefined;
}

function getAtt(ctx: TemplateContext, logicalId: string, attribute: string, path: string): string {
  const resource = ctx.resources[logicalId];
  if (!resource) throw new Unresolvable(`Fn::GetAtt names "${logicalId}", which is not a resource of this template`);
  const props = typeof resource.Properties === 'object' && resource.Properties !== null ? (resource.Properties as Record<string, unknown>) : {};
  if (attribute !== 'Ref' && attribute in props) {
    const key = `${logicalId}.${attribute}`;
    if (ctx.resolving.has(key)) throw new Unresolvable(`${key} refers to itself`);
    ctx.resolving.add(key);
    try {
      const value = resolveValue(ctx, props[attribute], path);
      if (typeof value === 'string' || typeof value === 'number') return String(value);
    } finally {
      ctx.resolving.delete(key);
    }
  }
  const named = ctx.attributes[logicalId]?.[attribute];
  if (named !== undefined) return named;
  // An ARN or ID that only exists once deployed (ACM certificate, Cloud Map service): kept as a marked placeholder.
  ctx.notes.push({ path, message: `${logicalId}.${attribute} (${String(resource.Type)}) is only known once deployed; kept as a placeholder` });
  return `{${logicalId}.${attribute}}`;
}

function ref(ctx: TemplateContext, name: string, path: string): string {
  if (name in ctx.parameters) return ctx.parameters[name]!;
  if (name in ctx.resources) return getAtt(ctx, name, 'Ref', path);
  if (name.startsWith('AWS::')) throw new Unresolvable(`Ref to the pseudo parameter ${name}: pass its value as a parameter (--parameter ${name}=VALUE)`);
  throw new Unresolvable(`Ref to "${name}", which is neither a parameter with a value nor a resource of this template (--parameter ${name}=VALUE sets one)`);
}

function sub(ctx: TemplateContext, arg: unknown, path: string): string {
  const [text, vars] = Array.isArray(arg) ? [arg[0], arg[1] as Record<string, unknown> | undefined] : [arg, undefined];
  if (typeof text !== 'string') throw new Unresolvable('Fn::Sub needs a string');
  return text.replace(/\$\{(!?)([^}]+)\}/g, (_m, bang: string, name: string) => {
    if (bang) return `\${${name}}`;
    if (vars && name in vars) return String(resolveValue(ctx, vars[name], path));
    const dot = name.indexOf('.');
    return dot > 0 && !name.startsWith('AWS::') ? getAtt(ctx, name.slice(0, dot), name.slice(dot + 1), path) : ref(ctx, name, path);
  });
}

function resolveValue(ctx: TemplateContext, value: unknown, path: string): unknown {
  if (Array.isArray(value)) return value.map((v, i) => resolveValue(ctx, v, `${path}[${i}]`));
  if (typeof value !== 'object' || value === null) return value;
  const keys = Object.keys(value);
  const object = value as Record<string, unknown>;
  if (keys.length === 1) {
    try {
      return resolveFunction(ctx, object, keys[0]!, path);
    } catch (error) {
      if (error instanceof Unresolvable) error.path ??= path;
      throw error;
    }
  }
  return Object.fromEntries(keys.map((k) => [k, resolveValue(ctx, object[k], `${path}.${k}`)]));
}

/** One intrinsic function, or the object itself (resolved inside) when its one key is not a function. */
function resolveFunction(ctx: TemplateContext, object: Record<string, unknown>, key: string, path: string): unknown {
  const arg = object[key];
  if (key === 'Ref') return ref(ctx, String(arg), path);
  if (key === 'Fn::GetAtt') {
    const [id, attr] = typeof arg === 'string' ? arg.split('.') : (arg as unknown[]);
    return getAtt(ctx, String(id), String(attr), path);
  }
  if (key === 'Fn::Sub') return sub(ctx, arg, path);
  if (key === 'Fn::Join' && Array.isArray(arg)) {
    const parts = resolveValue(ctx, arg[1], path);
    if (!Array.isArray(parts)) throw new Unresolvable('Fn::Join needs a list');
    return parts.map(String).join(String(arg[0]));
  }
  if (key === 'Fn::Select' && Array.isArray(arg)) {
    const list = resolveValue(ctx, arg[1], path);
    if (!Array.isArray(list)) throw new Unresolvable('Fn::Select needs a list');
    return list[Number(arg[0])];
  }
  if (key.startsWith('Fn::') || key === 'Condition') throw new Unresolvable(`${key} is not resolved by the importer; replace it with its value`);
  return { [key]: resolveValue(ctx, object[key], `${path}.${key}`) };
}

/** Resolves `Ref`, `Fn::GetAtt`, `Fn::Sub`, `Fn::Join` and `Fn::Select` inside one resource's properties. */
export function resolveIntrinsics(ctx: TemplateContext, logicalId: string, properties: unknown, file: string): { ok: true; value: unknown } | { ok: false; error: FieldError } {
  const base = formatPath([PREFIX, logicalId, 'Properties'] as PathSegment[]);
  try {
    return { ok: true, value: resolveValue(ctx, properties, base) };
  } catch (error) {
    if (error instanceof Unresolvable) return { ok: false, error: { path: `${file}:${error.path ?? base}`, message: error.message } };
    throw error;
  }
}
