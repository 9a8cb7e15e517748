import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { DEFAULT_IMPORT_LIMITS, importAppMesh, renderReportTable, renderYamlStream, type ConversionResult, type InputDocument } from '../../core/appmesh/index.ts';
import { CliError, usageError } from '../cli-error.ts';
import { CommandContext, type CliIo } from '../command-context.ts';
import { ExitCode } from '../exit-codes.ts';
import { collect } from './repeatable.ts';

const INPUT_EXTENSIONS = new Set(['.json', '.yaml', '.yml', '.template']);
// A directory of describe-* output is flat; a little depth allows one folder per mesh.
const MAX_DIRECTORY_DEPTH = 3;

interface ImportOptions {
  file: string[];
  namespace?: string;
  namespacePerMesh?: boolean;
  report?: string;
  parameter?: string[];
  strict?: boolean;
}

/** Files to read: a file as given, a directory's JSON/YAML files in name order (bounded in number and size). */
function inputFiles(paths: readonly string[]): InputDocument[] {
  const files: string[] = [];
  const walk = (dir: string, depth: number) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() && depth < MAX_DIRECTORY_DEPTH) walk(full, depth + 1);
      else if (entry.isFile() && INPUT_EXTENSIONS.has(path.extname(entry.name).toLowerCase())) files.push(full);
      if (files.length > DEFAULT_IMPORT_LIMITS.maxDocuments) throw new CliError(`more than ${DEFAULT_IMPORT_LIMITS.maxDocuments} files under ${paths.join(', ')}`, ExitCode.Usage);
    }
  };
  for (const p of paths) {
    let stat;
    try {
      stat = statSync(p);
    } catch (err) {
      throw new CliError(`cannot read ${p}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, ExitCode.Usage, { cause: err });
    }
    if (stat.isDirectory()) walk(p, 0);
    else files.push(p);
  }
  if (files.length === 0) throw usageError(`no .json or .yaml files in ${paths.join(', ')}`);
  return files.map((file) => {
    const size = statSync(file).size;
    if (size > DEFAULT_IMPORT_LIMITS.maxBytesPerDocument) throw new CliError(`${file} is ${size} bytes; the limit is ${DEFAULT_IMPORT_LIMITS.maxBytesPerDocument}`, ExitCode.Validation);
    return { name: file, text: readFileSync(file, 'utf8') };
  });
}

function parseParameters(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const at = v.indexOf('=');
    if (at <= 0) throw usageError(`--parameter ${v}: expected KEY=VALUE`);
    out[v.slice(0, at)] = v.slice(at + 1);
  }
  return out;
}

/** The report file: JSON when it ends in .json, else the text table followed by the workload labels. */
function reportText(file: string, result: ConversionResult): string {
  if (file.endsWith('.json')) return `${JSON.stringify({ entries: result.report.entries, meshSettings: result.meshSettings, workloads: result.workloads }, null, 2)}\n`;
  const labels = result.workloads.map((w) => `  ${w.kind}/${w.mesh}/${w.name} (namespace ${w.namespace}): ${Object.entries(w.labels).map(([k, v]) => `--label ${k}=${v}`).join(' ')}`);
  return `${renderReportTable(result.report.entries, { wide: true })}\nWorkload labels (trellis-agent bootstrap/run):\n${labels.join('\n')}\n`;
}

/** `trellis import appmesh`: App Mesh resources (describe-* JSON or a CloudFormation template) → Trellis resources. */
export function importAppMeshCommand(io: CliIo): Command {
  return new Command('appmesh')
    .description('Convert AWS App Mesh resources (describe-* JSON or a CloudFormation/CDK template) to Trellis resources')
    .requiredOption('-f, --file <path>', 'a file or directory of App Mesh input (repeatable)', collect, [])
    .option('--namespace-per-mesh', 'one namespace per App Mesh mesh, named after it (the default)')
    .option('--namespace <namespace>', 'put every resource in this namespace instead')
    .option('--report <file>', 'write the full field-by-field report here (.json for JSON, else a text table)')
    .option('--parameter <KEY=VALUE>', 'a CloudFormation parameter or pseudo parameter value (repeatable)', collect, [])
    .option('--strict', 'exit 7 when any App Mesh field has no Trellis equivalent')
    .addHelpText('after', '\nWrites a multi-document YAML stream (or, with -o json, a JSON list) for `trellis apply -f -`; the mesh settings to PUT come first as comments.\nDocs: docs/migrate-from-app-mesh.md')
    .action((opts: ImportOptions, cmd: Command) => {
      const ctx = CommandContext.of(io, cmd);
      if (opts.namespace && opts.namespacePerMesh) throw usageError('choose one of --namespace and --namespace-per-mesh');
      const result = importAppMesh(inputFiles(opts.file), { ...(opts.namespace ? { namespace: opts.namespace } : {}), parameters: parseParameters(opts.parameter ?? []) });
      if (!result.ok) throw new CliError(`the App Mesh input is not valid (${result.errors.length} problem${result.errors.length === 1 ? '' : 's'})`, ExitCode.Validation, { fieldErrors: result.errors });
      const value = result.value;
      ctx.out(ctx.options.output === 'json' ? `${JSON.stringify(value.resources, null, 2)}\n` : renderYamlStream(value));
      if (opts.report) writeFileSync(opts.report, reportText(opts.report, value));
      const counts = value.report.counts();
      for (const [mesh, { namespace, settings }] of Object.entries(value.meshSettings)) ctx.err(`mesh ${mesh} → namespace ${namespace}; mesh settings to PUT: ${JSON.stringify(settings)}`);
      ctx.err(`${value.resources.length} resources; ${counts.mapped} fields mapped, ${counts.approximated} approximated, ${counts.none} with no equivalent${opts.report ? ` (report: ${opts.report})` : ' (--report FILE for details)'}`);
      if (opts.strict && counts.none > 0) throw new CliError(`${counts.none} App Mesh field${counts.none === 1 ? ' has' : 's have'} no Trellis equivalent (--strict)`, ExitCode.Findings, { hint: 'read the report; drop --strict to import anyway' });
    });
}

/** Adds `import appmesh` under `trellis import` (creating `import` if no other importer did). */
export function registerImportAppMesh(program: Command, io: CliIo): void {
  const parent = program.commands.find((c) => c.name() === 'import') ?? program.command('import').description('Convert another mesh\'s configuration to Trellis resources');
  parent.addCommand(importAppMeshCommand(io));
}
