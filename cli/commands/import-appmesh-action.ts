import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_IMPORT_LIMITS, importAppMesh, outcomeSummary, renderReportTable, renderResourceReport, renderYamlStream, type ConversionResult, type InputDocument, type ReadFailure } from '../../core/appmesh/index.ts';
import { CliError, usageError } from '../cli-error.ts';
import { CommandContext, type CliIo } from '../command-context.ts';
import { ExitCode } from '../exit-codes.ts';
import { applyImport } from './import-appmesh-apply.ts';

export interface ImportOptions {
  file: string[];
  namespace?: string;
  namespacePerMesh?: boolean;
  report?: string;
  parameter?: string[];
  import?: string[];
  strict?: boolean;
  allowPartial?: boolean;
  apply?: boolean;
  message?: string;
  cloudMapRoleArn?: string;
  cloudMapRegion?: string;
}

const INPUT_EXTENSIONS = new Set(['.json', '.yaml', '.yml', '.template']);
// A directory of describe-* output is flat; a little depth allows one folder per mesh.
const MAX_DIRECTORY_DEPTH = 3;

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

/** --cloud-map-role-arn and --cloud-map-region go beside the Cloud Map sources in each mesh's settings. */
function withCloudMapAccess(value: ConversionResult, opts: ImportOptions): void {
  if (opts.cloudMapRoleArn === undefined && opts.cloudMapRegion === undefined) return;
  const withSources = Object.values(value.meshSettings).filter((m) => m.settings.registrySources);
  const flag = opts.cloudMapRoleArn !== undefined ? '--cloud-map-role-arn' : '--cloud-map-region';
  if (withSources.length === 0) throw usageError(`${flag}: no virtual node of the input is discovered through Cloud Map, so there is no Cloud Map source to read with it`);
  for (const m of withSources) {
    const cloudMap = m.settings.registrySources!.cloudMap;
    if (opts.cloudMapRoleArn !== undefined) cloudMap.roleArn = opts.cloudMapRoleArn;
    if (opts.cloudMapRegion !== undefined) cloudMap.region = opts.cloudMapRegion;
  }
}

function keyValues(flag: string, values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const at = v.indexOf('=');
    if (at <= 0) throw usageError(`${flag} ${v}: expected NAME=VALUE`);
    out[v.slice(0, at)] = v.slice(at + 1);
  }
  return out;
}

/** The report file: JSON when it ends in .json, else the text tables followed by the workload labels. */
function reportText(file: string, result: ConversionResult): string {
  const { report } = result;
  if (file.endsWith('.json')) {
    const body = { resources: report.resources, renames: report.renames, coverage: report.coverage(), entries: report.entries, meshSettings: result.meshSettings, workloads: result.workloads, cloudMapSources: result.cloudMapSources };
    return `${JSON.stringify(body, null, 2)}\n`;
  }
  const labels = result.workloads.map((w) => `  ${w.kind}/${w.mesh}/${w.name} (namespace ${w.namespace}): ${Object.entries(w.labels).map(([k, v]) => `--label ${k}=${v}`).join(' ')}`);
  return `${renderResourceReport(report)}\n${renderReportTable(report.entries, { wide: true })}\nWorkload labels (trellis-agent bootstrap/run):\n${labels.join('\n')}\n`;
}

/** Input that cannot be read: exit 2 when every problem is a value a flag would supply (all of them named), else 3. */
function readError(failure: ReadFailure): CliError {
  const count = `${failure.errors.length} problem${failure.errors.length === 1 ? '' : 's'}`;
  const hint = failure.flags.length ? `pass ${failure.flags.join(' ')}` : undefined;
  if (failure.onlyMissingValues) return new CliError(`the templates refer to values the input does not give (${count})`, ExitCode.Usage, { fieldErrors: failure.errors, ...(hint ? { hint } : {}) });
  return new CliError(`the App Mesh input is not valid (${count})`, ExitCode.Validation, { fieldErrors: failure.errors, ...(hint ? { hint: `then ${hint}` } : {}) });
}

/** The action of `trellis import appmesh`. */
export async function runImportAppMesh(io: CliIo, opts: ImportOptions, cmd: Command): Promise<void> {
  const ctx = CommandContext.of(io, cmd);
  if (opts.namespace && opts.namespacePerMesh) throw usageError('choose one of --namespace and --namespace-per-mesh');
  const result = importAppMesh(inputFiles(opts.file), {
    ...(opts.namespace ? { namespace: opts.namespace } : {}),
    parameters: keyValues('--parameter', opts.parameter ?? []),
    imports: keyValues('--import', opts.import ?? []),
  });
  if (!result.ok) throw readError(result);
  const value = result.value;
  const { report } = value;
  if (opts.report) writeFileSync(opts.report, reportText(opts.report, value));
  const notConverted = report.notConverted();
  const reasons = notConverted.map((r) => ({ path: r.source, message: r.reasons.join('; ') }));
  const reportHint = opts.report ? `the report (${opts.report}) says why` : '--report FILE says why, field by field';
  // Nothing is written to stdout or applied on failure, so neither `| trellis apply -f -` nor --apply can apply half a mesh.
  if (value.resources.length === 0) throw new CliError(`converted 0 resources: nothing to apply (${outcomeSummary(report)})`, ExitCode.Incomplete, { fieldErrors: reasons, hint: reportHint });
  if (notConverted.length > 0 && !opts.allowPartial) {
    throw new CliError(`${notConverted.length} App Mesh resource${notConverted.length === 1 ? '' : 's'} could not be converted (${outcomeSummary(report)})`, ExitCode.Incomplete, { fieldErrors: reasons, hint: `${reportHint}; --allow-partial writes what did convert` });
  }
  withCloudMapAccess(value, opts);
  const counts = report.counts();
  const strictFailure = opts.strict && counts.none > 0 ? new CliError(`${counts.none} App Mesh field${counts.none === 1 ? ' has' : 's have'} no Trellis equivalent (--strict)`, ExitCode.Findings, { hint: 'read the report; drop --strict to import anyway' }) : undefined;
  // With --apply, --strict refuses before anything reaches the mesh.
  if (opts.apply && strictFailure) throw strictFailure;
  if (!opts.apply) ctx.out(ctx.options.output === 'json' ? `${JSON.stringify(value.resources, null, 2)}\n` : renderYamlStream(value));
  for (const r of notConverted) ctx.err(`not converted (--allow-partial): ${r.source}: ${r.reasons.join('; ')}`);
  for (const r of report.resources.filter((x) => x.outcome === 'skipped')) ctx.err(`skipped: ${r.source}: ${r.reasons.join('; ')}`);
  for (const r of report.renames) ctx.err(`renamed: ${r.from} → ${r.to} (${r.what})`);
  for (const c of value.cloudMapSources) ctx.err(`Cloud Map service ${c.cloudMapNamespace}/${c.service} → a registry source for namespace ${c.namespace} (mesh settings registrySources.cloudMap): its instances become workloads labelled ${Object.entries(c.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(',')}`);
  for (const [mesh, { namespace, settings }] of Object.entries(value.meshSettings)) ctx.err(`mesh ${mesh} → namespace ${namespace}; mesh settings${opts.apply ? '' : ' to PUT'}: ${JSON.stringify(settings)}`);
  ctx.err(`${outcomeSummary(report)}; ${value.resources.length} Trellis resources; ${counts.mapped} fields mapped, ${counts.approximated} approximated, ${counts.none} with no equivalent${opts.report ? ` (report: ${opts.report})` : ' (--report FILE for details)'}`);
  if (strictFailure) throw strictFailure;
  if (opts.apply) await applyImport(ctx, value, { message: opts.message ?? `import appmesh -f ${opts.file.join(' -f ')}` });
}
