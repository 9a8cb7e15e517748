import { ParameterTable } from './parameters.ts';
import { NO_VALUE, ProblemList, UNRESOLVED } from './problems.ts';
import { isPseudoParameter, pseudoParameter } from './pseudo-parameters.ts';

/** What resolving a template needs from outside it: the caller's values and the other templates' exports. */
export interface TemplateEnvironment {
  /** `--parameter NAME=VALUE`: template parameters and pseudo parameters. */
  parameters: Readonly<Record<string, string>>;
  /** `--import NAME=VALUE`: values for `Fn::ImportValue`. */
  imports: Readonly<Record<string, string>>;
  /** The value another template exports under `name`; undefined when none does. */
  findExport(name: string, importer: TemplateResolver, path: string): unknown;
  problems: ProblemList;
}

type Resources = Readonly<Record<string, { Type?: unknown; Properties?: unknown; Condition?: unknown }>>;

const CONDITION_FUNCTIONS = new Set(['Fn::Equals', 'Fn::And', 'Fn::Or', 'Fn::Not', 'Condition']);
// Conditions and attributes that refer to each other nest the evaluation; a hostile chain must not exhaust the stack.
const MAX_NESTING = 100;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `Fn::Equals` compares what CloudFormation would: the values as text. */
const asText = (v: unknown): string => (Array.isArray(v) ? v.map(asText).join(',') : v === NO_VALUE ? '' : String(v));

/**
 * Evaluates the intrinsic functions and conditions of one CloudFormation template. Nothing throws: a value
 * that cannot be had becomes UNRESOLVED and a problem (with the flag that would supply it) is recorded, so
 * every missing reference is found in one pass.
 */
export class TemplateResolver {
  readonly parameters: ParameterTable;
  /** Values kept as placeholders on purpose (ARNs of resources outside App Mesh), for the report. */
  readonly notes: { path: string; message: string }[] = [];
  /** Pseudo parameters that took a default, for the report. */
  readonly assumptions: { path: string; message: string }[] = [];
  private readonly resources: Resources;
  private readonly conditions = new Map<string, boolean | typeof UNRESOLVED>();
  private readonly evaluating = new Set<string>();
  private readonly assumed = new Set<string>();
  /** Logical ID → attribute → value: names CloudFormation generates for unnamed App Mesh resources. */
  private readonly generated: Readonly<Record<string, Readonly<Record<string, string>>>>;
  private problems: ProblemList;
  private quiet = 0;

  constructor(
    readonly file: string,
    readonly template: Record<string, unknown>,
    private readonly env: TemplateEnvironment,
    generated: Readonly<Record<string, Readonly<Record<string, string>>>>,
  ) {
    this.parameters = new ParameterTable(template.Parameters, env.parameters);
    this.resources = (isObject(template.Resources) ? template.Resources : {}) as Resources;
    this.generated = generated;
    this.problems = env.problems;
  }

  /** Runs `fn` without recording problems, notes or assumptions (to look at export names nobody may import). */
  quietly<T>(fn: () => T): T {
    const problems = this.problems;
    this.problems = new ProblemList();
    this.quiet++;
    try {
      return fn();
    } finally {
      this.quiet--;
      this.problems = problems;
    }
  }

  private fail(path: string, message: string, flag?: string): typeof UNRESOLVED {
    this.problems.add({ path: `${this.file}:${path}`, message, ...(flag ? { flag } : {}) });
    return UNRESOLVED;
  }

  /** A value with every intrinsic function evaluated; `AWS::NoValue` properties and list items removed. */
  resolve(value: unknown, path: string): unknown {
    if (Array.isArray(value)) return value.map((v, i) => this.resolve(v, `${path}[${i}]`)).filter((v) => v !== NO_VALUE);
    if (!isObject(value)) return value;
    const keys = Object.keys(value);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0]!.startsWith('Fn::'))) return this.call(keys[0]!, value[keys[0]!], path);
    const out: Record<string, unknown> = {};
    for (const k of keys) {
      const v = this.resolve(value[k], `${path}.${k}`);
      if (v !== NO_VALUE) out[k] = v;
    }
    return out;
  }

  /** A named condition of the `Conditions` section. */
  condition(name: unknown, path: string): boolean | typeof UNRESOLVED {
    if (typeof name !== 'string') return this.fail(path, 'a condition is named by a string');
    const known = this.conditions.get(name);
    if (known !== undefined) return known;
    const all = isObject(this.template.Conditions) ? this.template.Conditions : {};
    if (!(name in all)) return this.fail(path, `no condition "${name}" in the template's Conditions`);
    if (this.evaluating.has(name)) return this.fail(`Conditions.${name}`, `condition ${name} depends on itself`);
    if (this.evaluating.size >= MAX_NESTING) return this.fail(`Conditions.${name}`, `conditions and attributes refer to each other more than ${MAX_NESTING} deep`);
    this.evaluating.add(name);
    try {
      const value = this.conditionValue(all[name], `Conditions.${name}`);
      // A quiet evaluation recorded no problems, so only a loud one may be remembered.
      if (this.quiet === 0) this.conditions.set(name, value);
      return value;
    } finally {
      this.evaluating.delete(name);
    }
  }

  private conditionValue(expr: unknown, path: string): boolean | typeof UNRESOLVED {
    const key = isObject(expr) && Object.keys(expr).length === 1 ? Object.keys(expr)[0]! : undefined;
    if (!key || !CONDITION_FUNCTIONS.has(key)) return this.fail(path, 'a condition must be Fn::Equals, Fn::And, Fn::Or, Fn::Not or Condition');
    const arg = (expr as Record<string, unknown>)[key];
    const at = `${path}.${key}`;
    if (key === 'Condition') return this.condition(arg, at);
    if (!Array.isArray(arg)) return this.fail(at, `${key} takes a list`);
    if (key === 'Fn::Equals') {
      if (arg.length !== 2) return this.fail(at, 'Fn::Equals compares two values');
      const [a, b] = arg.map((v, i) => this.resolve(v, `${at}[${i}]`));
      return a === UNRESOLVED || b === UNRESOLVED ? UNRESOLVED : asText(a) === asText(b);
    }
    // Every operand is evaluated, so that all missing values are reported at once.
    const values = arg.map((c, i) => this.conditionValue(c, `${at}[${i}]`));
    if (values.includes(UNRESOLVED)) return UNRESOLVED;
    if (key === 'Fn::Not') return arg.length === 1 ? !values[0] : this.fail(at, 'Fn::Not takes one condition');
    if (arg.length < 2 || arg.length > 10) return this.fail(at, `${key} takes 2 to 10 conditions`);
    return key === 'Fn::And' ? values.every(Boolean) : values.some(Boolean);
  }

  private call(fn: string, arg: unknown, path: string): unknown {
    const at = `${path}.${fn}`;
    switch (fn) {
      case 'Ref':
        return typeof arg === 'string' ? this.ref(arg, path) : this.fail(at, 'Ref takes a name');
      case 'Fn::GetAtt':
        return this.getAttCall(arg, at);
      case 'Fn::Sub':
        return this.sub(arg, path);
      case 'Fn::If':
        return this.ifCall(arg, at);
      case 'Fn::Join':
        return this.join(arg, at);
      case 'Fn::Select':
        return this.select(arg, at);
      case 'Fn::Split':
        return this.split(arg, at);
      case 'Fn::FindInMap':
        return this.findInMap(arg, at);
      case 'Fn::ImportValue':
        return this.importValue(arg, path);
      case 'Fn::Base64': {
        const text = this.resolve(arg, at);
        if (text === UNRESOLVED) return UNRESOLVED;
        return typeof text === 'string' ? Buffer.from(text, 'utf8').toString('base64') : this.fail(at, 'Fn::Base64 takes a string');
      }
      default:
        return this.fail(at, `${fn} is not evaluated by the importer; replace it with its value`);
    }
  }

  ref(name: string, path: string): unknown {
    if (name === 'AWS::NoValue') return NO_VALUE;
    if (isPseudoParameter(name)) {
      const { value, assumed } = pseudoParameter(name, this.file, this.env.parameters);
      if (assumed && this.quiet === 0 && !this.assumed.has(name)) {
        this.assumed.add(name);
        this.assumptions.push({ path, message: assumed });
      }
      return value;
    }
    if (this.parameters.has(name)) {
      const found = this.parameters.lookup(name);
      return found.ok ? found.value : this.fail(path, found.message, found.flag);
    }
    if (name in this.resources) return this.getAtt(name, 'Ref', path);
    if (name.startsWith('AWS::')) return this.fail(path, `${name} is not a pseudo parameter`);
    return this.fail(path, `Ref to "${name}", which is neither a parameter nor a resource of this template`);
  }

  private getAttCall(arg: unknown, at: string): unknown {
    if (typeof arg === 'string' && arg.includes('.')) return this.getAtt(arg.slice(0, arg.indexOf('.')), arg.slice(arg.indexOf('.') + 1), at);
    if (!Array.isArray(arg) || arg.length !== 2) return this.fail(at, 'Fn::GetAtt takes [LogicalId, Attribute]');
    const attribute = this.resolve(arg[1], `${at}[1]`);
    if (attribute === UNRESOLVED) return UNRESOLVED;
    return this.getAtt(String(arg[0]), String(attribute), at);
  }

  private getAtt(logicalId: string, attribute: string, path: string): unknown {
    const resource = this.resources[logicalId];
    if (!resource) return this.fail(path, `Fn::GetAtt names "${logicalId}", which is not a resource of this template`);
    const props = isObject(resource.Properties) ? resource.Properties : {};
    if (attribute !== 'Ref' && attribute in props) {
      const key = `${logicalId}.${attribute}`;
      if (this.evaluating.has(key)) return this.fail(path, `${key} refers to itself`);
      if (this.evaluating.size >= MAX_NESTING) return this.fail(path, `conditions and attributes refer to each other more than ${MAX_NESTING} deep`);
      this.evaluating.add(key);
      try {
        const value = this.resolve(props[attribute], `Resources.${logicalId}.Properties.${attribute}`);
        if (typeof value === 'string' || typeof value === 'number' || value === UNRESOLVED) return value;
      } finally {
        this.evaluating.delete(key);
      }
    }
    const named = this.generated[logicalId]?.[attribute];
    if (named !== undefined) return named;
    // An ARN or ID that only exists once deployed (ACM certificate, Cloud Map service): kept as a marked placeholder.
    if (this.quiet === 0) this.notes.push({ path, message: `${logicalId}.${attribute} (${String(resource.Type)}) is only known once deployed; kept as a placeholder` });
    return `{${logicalId}.${attribute}}`;
  }

  private sub(arg: unknown, at: string): unknown {
    const [text, vars] = Array.isArray(arg) ? [arg[0], arg[1]] : [arg, undefined];
    if (typeof text !== 'string') return this.fail(at, 'Fn::Sub takes a string, or [string, variables]');
    if (vars !== undefined && !isObject(vars)) return this.fail(at, 'the variables of Fn::Sub must be a map');
    let unresolved = false;
    const out = text.replace(/\$\{(!?)([^}]*)\}/g, (_m, bang: string, name: string) => {
      if (bang) return `\${${name}}`;
      const dot = name.indexOf('.');
      const value =
        vars && name in vars
          ? this.resolve(vars[name], `${at}.Fn::Sub[1].${name}`)
          : dot > 0 && !name.startsWith('AWS::')
            ? this.getAtt(name.slice(0, dot), name.slice(dot + 1), at)
            : this.ref(name, at);
      if (value === UNRESOLVED) unresolved = true;
      else if (typeof value !== 'string' && typeof value !== 'number') {
        unresolved = true;
        this.fail(at, `\${${name}} in Fn::Sub is not a string`);
      }
      return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
    });
    return unresolved ? UNRESOLVED : out;
  }

  private ifCall(arg: unknown, at: string): unknown {
    if (!Array.isArray(arg) || arg.length !== 3) return this.fail(at, 'Fn::If takes [condition, value if true, value if false]');
    const condition = this.condition(arg[0], `${at}[0]`);
    if (condition !== UNRESOLVED) return condition ? this.resolve(arg[1], `${at}[1]`) : this.resolve(arg[2], `${at}[2]`);
    // Unknown condition: both branches are looked at, so their missing values are reported too.
    this.resolve(arg[1], `${at}[1]`);
    this.resolve(arg[2], `${at}[2]`);
    return UNRESOLVED;
  }

  private list(value: unknown, at: string, fn: string): unknown[] | typeof UNRESOLVED {
    const list = this.resolve(value, at);
    if (list === UNRESOLVED) return UNRESOLVED;
    if (!Array.isArray(list)) return this.fail(at, `${fn} needs a list`);
    return list.includes(UNRESOLVED) ? UNRESOLVED : list;
  }

  private join(arg: unknown, at: string): unknown {
    if (!Array.isArray(arg) || arg.length !== 2 || typeof arg[0] !== 'string') return this.fail(at, 'Fn::Join takes [delimiter, list]');
    const list = this.list(arg[1], `${at}[1]`, 'Fn::Join');
    if (list === UNRESOLVED) return UNRESOLVED;
    if (list.some((v) => typeof v !== 'string' && typeof v !== 'number')) return this.fail(at, 'Fn::Join joins strings');
    return list.map(String).join(arg[0]);
  }

  private select(arg: unknown, at: string): unknown {
    if (!Array.isArray(arg) || arg.length !== 2) return this.fail(at, 'Fn::Select takes [index, list]');
    const index = this.resolve(arg[0], `${at}[0]`);
    const list = this.list(arg[1], `${at}[1]`, 'Fn::Select');
    if (index === UNRESOLVED || list === UNRESOLVED) return UNRESOLVED;
    const i = Number(index);
    if (!Number.isInteger(i) || i < 0 || i >= list.length) return this.fail(at, `index ${String(index)} is outside the list of ${list.length}`);
    return list[i];
  }

  private split(arg: unknown, at: string): unknown {
    if (!Array.isArray(arg) || arg.length !== 2 || typeof arg[0] !== 'string' || arg[0] === '') return this.fail(at, 'Fn::Split takes [delimiter, string]');
    const text = this.resolve(arg[1], `${at}[1]`);
    if (text === UNRESOLVED) return UNRESOLVED;
    return typeof text === 'string' ? text.split(arg[0]) : this.fail(at, 'Fn::Split splits a string');
  }

  private findInMap(arg: unknown, at: string): unknown {
    if (!Array.isArray(arg) || arg.length !== 3) return this.fail(at, 'Fn::FindInMap takes [map, top-level key, second-level key]');
    const keys = arg.map((k, i) => this.resolve(k, `${at}[${i}]`));
    if (keys.includes(UNRESOLVED)) return UNRESOLVED;
    const [map, top, second] = keys.map((k) => asText(k));
    const mappings = isObject(this.template.Mappings) ? this.template.Mappings : {};
    const level1 = mappings[map!];
    const level2 = isObject(level1) ? level1[top!] : undefined;
    const value = isObject(level2) ? level2[second!] : undefined;
    if (value === undefined) return this.fail(at, `Mappings has no ${map}.${top}.${second}`);
    return value;
  }

  private importValue(arg: unknown, at: string): unknown {
    const name = this.resolve(arg, at);
    if (name === UNRESOLVED) return UNRESOLVED;
    if (typeof name !== 'string') return this.fail(at, 'Fn::ImportValue takes an export name');
    if (this.env.imports[name] !== undefined) return this.env.imports[name];
    const exported = this.env.findExport(name, this, at);
    if (exported !== undefined) return exported;
    return this.fail(at, `Fn::ImportValue "${name}": no --import gives it and no template given with -f exports it`, `--import ${name}=<value>`);
  }

  /** Records a problem at a path of this template (for callers such as the export registry). */
  problem(path: string, message: string): typeof UNRESOLVED {
    return this.fail(path, message);
  }
}
