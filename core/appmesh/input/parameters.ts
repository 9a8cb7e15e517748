import { RE2JS } from 're2js';

/** A parameter's value as `Ref` gives it: a string, a number (`Number`), or a list (`CommaDelimitedList`, `List<...>`). */
export type ParameterValue = string | number | string[] | number[];

export type ParameterLookup = { ok: true; value: ParameterValue } | { ok: false; message: string; flag?: string };

type Shape = 'string' | 'number' | 'strings' | 'numbers';

interface Declared {
  type: string;
  shape: Shape;
  /** `AWS::SSM::Parameter::Value<...>`: the default names the SSM parameter; the value only comes from the caller. */
  ssm: boolean;
  declaration: Record<string, unknown>;
}

const SSM_VALUE = /^AWS::SSM::Parameter::Value<(.+)>$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value shape of a CloudFormation parameter type, or undefined for a type CloudFormation does not have. */
function shapeOf(type: string): { shape: Shape; ssm: boolean } | undefined {
  const ssm = SSM_VALUE.exec(type);
  if (ssm) {
    const inner = shapeOf(ssm[1]!);
    return inner && !inner.ssm ? { shape: inner.shape, ssm: true } : undefined;
  }
  if (type === 'String' || type === 'AWS::SSM::Parameter::Name') return { shape: 'string', ssm: false };
  if (type === 'Number') return { shape: 'number', ssm: false };
  if (type === 'List<Number>') return { shape: 'numbers', ssm: false };
  if (type === 'CommaDelimitedList' || type === 'List<String>' || /^List<AWS::[A-Za-z0-9:]+>$/.test(type)) return { shape: 'strings', ssm: false };
  if (/^AWS::(EC2|Route53)::[A-Za-z0-9:]+$/.test(type)) return { shape: 'string', ssm: false };
  return undefined;
}

/** What to write after `--parameter NAME=` in a hint. */
function placeholder(d: Declared): string {
  const allowed = d.declaration.AllowedValues;
  if (Array.isArray(allowed) && allowed.length > 0 && allowed.length <= 8) return `<${allowed.map(String).join('|')}>`;
  if (d.ssm) return `<value of SSM parameter ${typeof d.declaration.Default === 'string' ? d.declaration.Default : d.type}>`;
  return `<${d.type}>`;
}

const scalarText = (v: unknown) => (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined);

/**
 * The parameters of one template, typed as CloudFormation types them and checked against their
 * constraints; a value is looked up only when a resource refers to it, so unused parameters never block.
 */
export class ParameterTable {
  private readonly declared = new Map<string, Declared | string>();
  private readonly cache = new Map<string, ParameterLookup>();

  constructor(
    parameters: unknown,
    private readonly given: Readonly<Record<string, string>>,
  ) {
    if (!isObject(parameters)) return;
    for (const [name, p] of Object.entries(parameters)) {
      if (!isObject(p) || typeof p.Type !== 'string') {
        this.declared.set(name, 'a parameter needs a Type');
        continue;
      }
      const shape = shapeOf(p.Type);
      this.declared.set(name, shape ? { type: p.Type, ...shape, declaration: p } : `"${p.Type}" is not a CloudFormation parameter type`);
    }
  }

  has(name: string): boolean {
    return this.declared.has(name);
  }

  names(): string[] {
    return [...this.declared.keys()];
  }

  lookup(name: string): ParameterLookup {
    let found = this.cache.get(name);
    if (!found) this.cache.set(name, (found = this.compute(name)));
    return found;
  }

  private compute(name: string): ParameterLookup {
    const d = this.declared.get(name);
    if (d === undefined) return { ok: false, message: `no parameter "${name}"` };
    if (typeof d === 'string') return { ok: false, message: d };
    const flag = `--parameter ${name}=${placeholder(d)}`;
    const fromCaller = this.given[name];
    const raw = fromCaller ?? (d.ssm ? undefined : d.declaration.Default);
    if (raw === undefined) {
      const why = d.ssm ? `its value is read from SSM parameter ${scalarText(d.declaration.Default) ?? '(unnamed)'} at deploy time` : 'it has no Default';
      return { ok: false, message: `parameter ${name} (${d.type}) has no value: ${why}`, flag };
    }
    const origin = fromCaller !== undefined ? `--parameter ${name}` : 'its Default';
    const typed = this.typed(d, raw);
    if ('error' in typed) return { ok: false, message: `parameter ${name} (${d.type}) from ${origin}: ${typed.error}`, flag };
    const problem = constraintProblem(d.declaration, typed.value);
    if (problem) return { ok: false, message: `parameter ${name} from ${origin}: ${problem}`, flag };
    return { ok: true, value: typed.value };
  }

  /** The value in the parameter's shape, or why it does not fit. */
  private typed(d: Declared, raw: unknown): { value: ParameterValue } | { error: string } {
    if (d.shape === 'string') return Array.isArray(raw) || scalarText(raw) === undefined ? { error: 'expected one value' } : { value: scalarText(raw)! };
    const items = Array.isArray(raw) ? raw.map(scalarText) : scalarText(raw)?.split(',');
    if (!items || items.some((i) => i === undefined)) return { error: 'expected a comma-separated list' };
    const text = items as string[];
    if (d.shape === 'strings') return { value: text };
    const numbers = text.map((t) => (t.trim() === '' ? NaN : Number(t)));
    const bad = text.find((_, i) => !Number.isFinite(numbers[i]));
    if (bad !== undefined) return { error: `"${bad}" is not a number` };
    if (d.shape === 'number') return numbers.length === 1 ? { value: numbers[0]! } : { error: 'expected one number, got a list' };
    return { value: numbers };
  }
}

/** AllowedValues, AllowedPattern, Min/MaxLength and Min/MaxValue, checked per item for lists. */
function constraintProblem(p: Record<string, unknown>, value: ParameterValue): string | undefined {
  const items: (string | number)[] = Array.isArray(value) ? value : [value];
  const allowed = Array.isArray(p.AllowedValues) ? p.AllowedValues.map(String) : undefined;
  for (const item of items) {
    const text = String(item);
    if (allowed && !allowed.includes(text)) return `"${text}" is not one of the AllowedValues ${allowed.join(', ')}`;
    if (typeof p.AllowedPattern === 'string' && typeof item === 'string' && !patternMatches(p.AllowedPattern, text)) return `"${text}" does not match the AllowedPattern ${p.AllowedPattern}`;
    if (typeof item === 'string' && typeof p.MinLength === 'number' && text.length < p.MinLength) return `"${text}" is shorter than MinLength ${p.MinLength}`;
    if (typeof item === 'string' && typeof p.MaxLength === 'number' && text.length > p.MaxLength) return `"${text}" is longer than MaxLength ${p.MaxLength}`;
    if (typeof item === 'number' && p.MinValue !== undefined && item < Number(p.MinValue)) return `${item} is below MinValue ${String(p.MinValue)}`;
    if (typeof item === 'number' && p.MaxValue !== undefined && item > Number(p.MaxValue)) return `${item} is above MaxValue ${String(p.MaxValue)}`;
  }
  return undefined;
}

// AllowedPattern must match the whole value; RE2 keeps a hostile pattern from running away. A pattern
// RE2 cannot compile (a Java lookaround) is left to CloudFormation to check.
function patternMatches(pattern: string, text: string): boolean {
  try {
    return RE2JS.compile(`^(?:${pattern})$`).matches(text);
  } catch {
    return true;
  }
}
