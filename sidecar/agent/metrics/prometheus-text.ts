import { fail, ok, type FieldError, type Result } from '../../../core/result.ts';

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  /** The sample's own name (`x_bucket`, `x_sum`, ... for histograms). */
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  type: MetricType;
  help?: string;
  samples: Sample[];
  /** The family's lines as they were read, so a merge can pass them on unchanged. */
  lines: string[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const FLOAT = /^(?:[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[+-]?Inf|NaN)$/;
const TIMESTAMP = /^-?\d+$/;
const TYPES: readonly MetricType[] = ['counter', 'gauge', 'histogram', 'summary', 'untyped'];
const MAX_ERRORS = 20;

/** Sample names a family of this type may carry besides its own name. */
function suffixesOf(type: MetricType): string[] {
  if (type === 'histogram') return ['_bucket', '_sum', '_count'];
  if (type === 'summary') return ['_sum', '_count'];
  return [];
}

function parseValue(text: string): number {
  if (text.endsWith('Inf')) return text.startsWith('-') ? -Infinity : Infinity;
  return Number(text);
}

/** Parses `{a="x",b="y"} rest` from `i` (just past the `{`); returns the labels and where the rest starts. */
function parseLabels(line: string, start: number): { labels: Record<string, string>; end: number } | string {
  const labels: Record<string, string> = {};
  let i = start;
  for (;;) {
    while (line[i] === ' ' || line[i] === '\t') i++;
    if (line[i] === '}') return { labels, end: i + 1 };
    const eq = line.indexOf('=', i);
    if (eq < 0) return 'a label without "="';
    const name = line.slice(i, eq).trim();
    if (!LABEL_NAME.test(name)) return `invalid label name ${JSON.stringify(name)}`;
    if (Object.hasOwn(labels, name)) return `label ${name} appears twice`;
    i = eq + 1;
    while (line[i] === ' ' || line[i] === '\t') i++;
    if (line[i] !== '"') return `the value of label ${name} is not quoted`;
    let value = '';
    for (i++; ; i++) {
      const c = line[i];
      if (c === undefined) return `the value of label ${name} is not closed`;
      if (c === '"') break;
      if (c === '\\') {
        const next = line[++i];
        if (next === 'n') value += '\n';
        else if (next === '\\' || next === '"') value += next;
        else return `invalid escape in the value of label ${name}`;
      } else value += c;
    }
    labels[name] = value;
    i++;
    while (line[i] === ' ' || line[i] === '\t') i++;
    if (line[i] === ',') i++;
    else if (line[i] !== '}') return `expected "," or "}" after label ${name}`;
  }
}

function parseSample(line: string): Sample | string {
  const nameEnd = line.search(/[{ \t]/);
  if (nameEnd < 0) return 'a sample without a value';
  const name = line.slice(0, nameEnd);
  if (!METRIC_NAME.test(name)) return `invalid metric name ${JSON.stringify(name)}`;
  let labels: Record<string, string> = {};
  let rest = line.slice(nameEnd);
  if (rest.startsWith('{')) {
    const parsed = parseLabels(line, nameEnd + 1);
    if (typeof parsed === 'string') return parsed;
    labels = parsed.labels;
    rest = line.slice(parsed.end);
  }
  const fields = rest.trim().split(/[ \t]+/);
  if (fields.length === 0 || fields[0] === '' || fields.length > 2) return 'expected a value and an optional timestamp';
  if (!FLOAT.test(fields[0]!)) return `invalid value ${JSON.stringify(fields[0])}`;
  if (fields[1] !== undefined && !TIMESTAMP.test(fields[1])) return `invalid timestamp ${JSON.stringify(fields[1])}`;
  return { name, labels, value: parseValue(fields[0]!) };
}

/**
 * Parses the Prometheus text exposition format (0.0.4), strictly: every line is checked, a family
 * may appear only once, a TYPE line must come before the family's samples, and a histogram's or
 * summary's samples must carry its suffixes. Errors name the line (`line 12`).
 */
export function parsePrometheusText(text: string): Result<MetricFamily[]> {
  const families: MetricFamily[] = [];
  const seen = new Set<string>();
  const errors: FieldError[] = [];
  let current: MetricFamily | undefined;
  const open = (name: string, type: MetricType): MetricFamily => {
    const family: MetricFamily = { name, type, samples: [], lines: [] };
    families.push(family);
    seen.add(name);
    current = family;
    return family;
  };
  const lines = text.split('\n');
  for (let n = 0; n < lines.length && errors.length < MAX_ERRORS; n++) {
    const line = lines[n]!;
    const problem = (message: string) => errors.push({ path: `line ${n + 1}`, message });
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const m = /^#[ \t]+(HELP|TYPE)[ \t]+(\S+)(?:[ \t]+(.*))?$/.exec(line);
      if (!m) continue;
      const [, keyword, name, arg = ''] = m as unknown as [string, 'HELP' | 'TYPE', string, string | undefined];
      if (!METRIC_NAME.test(name)) {
        problem(`invalid metric name ${JSON.stringify(name)}`);
        continue;
      }
      let family = current?.name === name ? current : undefined;
      if (keyword === 'TYPE') {
        const type = arg.trim() as MetricType;
        if (!TYPES.includes(type)) {
          problem(`unknown metric type ${JSON.stringify(arg)}`);
          continue;
        }
        if (family && (family.samples.length > 0 || family.lines.some((l) => l.startsWith('# TYPE')))) {
          problem(`TYPE of ${name} after its samples or a second time`);
          continue;
        }
        if (!family && seen.has(name)) {
          problem(`family ${name} appears twice`);
          continue;
        }
        family ??= open(name, type);
        family.type = type;
      } else {
        if (!family && seen.has(name)) {
          problem(`family ${name} appears twice`);
          continue;
        }
        family ??= open(name, 'untyped');
        if (family.help !== undefined) {
          problem(`second HELP for ${name}`);
          continue;
        }
        family.help = arg;
      }
      family.lines.push(line);
      continue;
    }
    const sample = parseSample(line);
    if (typeof sample === 'string') {
      problem(sample);
      continue;
    }
    const belongs = current && (sample.name === current.name || suffixesOf(current.type).some((s) => sample.name === current!.name + s));
    let family = belongs ? current! : undefined;
    if (!family) {
      if (seen.has(sample.name)) {
        problem(`samples of ${sample.name} are not together`);
        continue;
      }
      family = open(sample.name, 'untyped');
    }
    if (family.type === 'histogram' && sample.name === `${family.name}_bucket` && sample.labels['le'] === undefined) {
      problem(`bucket of ${family.name} without "le"`);
      continue;
    }
    family.samples.push(sample);
    family.lines.push(line);
  }
  return errors.length > 0 ? fail(errors) : ok(families);
}
