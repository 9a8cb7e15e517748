import type { FieldError } from '../../result.ts';
import { emptyInventory, type AppMeshInventory } from '../inventory.ts';
import { ExportRegistry } from './exports.ts';
import type { TemplateEnvironment, TemplateResolver } from './intrinsics.ts';
import { DEFAULT_IMPORT_LIMITS, type ImportLimits } from './limits.ts';
import { parseText } from './parse-text.ts';
import { ProblemList } from './problems.ts';
import { isPseudoParameter } from './pseudo-parameters.ts';
import { isTemplate, readCloudFormation, templateResolver } from './read-cloudformation.ts';
import { readDescribeOutput } from './read-describe.ts';
import { createSink } from './sink.ts';

/** One input file: its name (for messages) and its text. */
export interface InputDocument {
  name: string;
  text: string;
}

export interface ReadOptions {
  limits?: Partial<ImportLimits>;
  /** CloudFormation parameter values (and pseudo parameters such as `AWS::Region`) over the template's defaults. */
  parameters?: Readonly<Record<string, string>>;
  /** Values for `Fn::ImportValue` by export name, over the exports of the templates given. */
  imports?: Readonly<Record<string, string>>;
}

/** Why the input could not be read: every problem with `file:path`, and the flags that would supply missing values. */
export interface ReadFailure {
  ok: false;
  errors: FieldError[];
  /** Distinct `--parameter NAME=<...>` / `--import NAME=<...>` flags that would resolve the unresolved references. */
  flags: string[];
  /** True when every problem is a value the caller can supply with one of the flags. */
  onlyMissingValues: boolean;
}

const failure = (errors: FieldError[]): ReadFailure => ({ ok: false, errors, flags: [], onlyMissingValues: false });

/**
 * Reads App Mesh resources from the JSON of describe-* and list-* calls, bundles of them, and CloudFormation/CDK
 * templates (JSON or YAML); templates can import each other's exports. Every problem comes back with
 * `file:path`, all at once; nothing throws.
 */
export function readAppMeshInput(documents: readonly InputDocument[], options: ReadOptions = {}): { ok: true; value: AppMeshInventory } | ReadFailure {
  const limits: ImportLimits = { ...DEFAULT_IMPORT_LIMITS, ...options.limits };
  const sink = createSink(emptyInventory(), limits);
  if (documents.length === 0) return failure([{ path: '', message: 'no input documents' }]);
  if (documents.length > limits.maxDocuments) return failure([{ path: '', message: `${documents.length} documents; the limit is ${limits.maxDocuments}` }]);
  const parsed: { name: string; value: unknown }[] = [];
  let total = 0;
  for (const doc of documents) {
    const bytes = Buffer.byteLength(doc.text, 'utf8');
    total += bytes;
    if (bytes > limits.maxBytesPerDocument) {
      sink.errors.push({ path: doc.name, message: `${bytes} bytes; the limit per document is ${limits.maxBytesPerDocument}` });
      continue;
    }
    if (total > limits.maxTotalBytes) {
      sink.errors.push({ path: doc.name, message: `the input exceeds ${limits.maxTotalBytes} bytes in total` });
      break;
    }
    const result = parseText(doc.text, limits.maxDepth);
    if (!result.ok) sink.errors.push({ path: `${doc.name}:${result.error.path || '$'}`, message: result.error.message });
    else parsed.push({ name: doc.name, value: result.value });
  }

  // Templates are known before any is read, so an import finds the export of a template given later.
  const problems = new ProblemList();
  const exports = new ExportRegistry();
  const env: TemplateEnvironment = {
    parameters: options.parameters ?? {},
    imports: options.imports ?? {},
    findExport: (name, importer, path) => exports.find(name, importer, path),
    problems,
  };
  const resolvers = new Map<number, TemplateResolver>();
  parsed.forEach((p, i) => {
    if (!isTemplate(p.value)) return;
    const resolver = templateResolver(p.value, p.name, env);
    resolvers.set(i, resolver);
    exports.add(resolver);
  });
  for (const name of Object.keys(env.parameters)) {
    if (!isPseudoParameter(name) && ![...resolvers.values()].some((r) => r.parameters.has(name))) sink.errors.push({ path: `--parameter ${name}`, message: `no template given declares a parameter ${name}` });
  }
  parsed.forEach((p, i) => {
    const resolver = resolvers.get(i);
    if (resolver) readCloudFormation(resolver, sink);
    else readDescribeOutput(p.value, p.name, [], sink);
  });
  for (const resolver of resolvers.values()) {
    for (const a of resolver.assumptions) sink.inventory.assumptions.push({ source: `${resolver.file}:${a.path}`, message: a.message });
  }

  const missing = problems.items.map((p) => ({ path: p.path, message: p.flag ? `${p.message}; pass ${p.flag}` : p.message }));
  const errors = [...sink.errors, ...missing];
  if (errors.length === 0) return { ok: true, value: sink.inventory };
  const flags = [...new Set(problems.items.flatMap((p) => (p.flag ? [p.flag] : [])))];
  return { ok: false, errors, flags, onlyMissingValues: sink.errors.length === 0 && problems.items.every((p) => p.flag) };
}
