import { Command } from 'commander';
import type { CliIo } from '../command-context.ts';
import { ExitCode } from '../exit-codes.ts';
import type { ImportOptions } from './import-appmesh-action.ts';
import { collect } from './repeatable.ts';

/** `trellis import appmesh`: App Mesh resources (describe-* JSON or a CloudFormation template) → Trellis resources. */
export function importAppMeshCommand(io: CliIo): Command {
  return new Command('appmesh')
    .description('Convert AWS App Mesh resources (describe-* JSON or a CloudFormation/CDK template) to Trellis resources')
    .requiredOption('-f, --file <path>', 'a file or directory of App Mesh input (repeatable)', collect, [])
    .option('--namespace-per-mesh', 'one namespace per App Mesh mesh, named after it (the default)')
    .option('--namespace <namespace>', 'put every resource in this namespace instead')
    .option('--report <file>', 'write the full field-by-field report here (.json for JSON, else a text table)')
    .option('--parameter <NAME=VALUE>', 'a CloudFormation parameter or pseudo parameter (AWS::Region, AWS::AccountId, AWS::StackName, ...) value (repeatable)', collect, [])
    .option('--import <NAME=VALUE>', 'the value of an export that Fn::ImportValue names, when no template given with -f exports it (repeatable)', collect, [])
    .option('--allow-partial', `write (or --apply) what converted and exit 0 even when some App Mesh resources could not be converted (else exit ${ExitCode.Incomplete})`)
    .option('--apply', 'apply the result to the mesh -m names as one revision: the mesh is created with the derived settings if missing, and a dry run first shows what connected proxies will receive')
    .option('--message <text>', 'with --apply: a note recorded with the revision (default: the import command)')
    .option('--cloud-map-role-arn <arn>', "the IAM role (in the account holding the Cloud Map services) the xds-server assumes to read them, with the tenant id as external ID; goes into the mesh settings' registrySources.cloudMap.roleArn")
    .option('--cloud-map-region <region>', "the Cloud Map services' region (registrySources.cloudMap.region); default the xds-server's")
    .option('--strict', `exit ${ExitCode.Findings} when any App Mesh field has no Trellis equivalent`)
    .addHelpText('after', '\nWrites a multi-document YAML stream (or, with -o json, a JSON list) for `trellis apply -f -`; the mesh settings to PUT come first as comments.\nWith --apply -m MESH: creates MESH if missing, prints the dry run\'s per-proxy-group diff, applies everything as one revision and prints it.\nDocs: docs/migrate-from-app-mesh.md')
    // The converter (and its schemas) loads only when the command runs.
    .action(async (opts: ImportOptions, cmd: Command) => (await import('./import-appmesh-action.ts')).runImportAppMesh(io, opts, cmd));
}

/** Adds `import appmesh` under `trellis import` (creating `import` if no other importer did). */
export function registerImportAppMesh(program: Command, io: CliIo): void {
  const parent = program.commands.find((c) => c.name() === 'import') ?? program.command('import').description('Convert another mesh\'s configuration to Trellis resources');
  parent.addCommand(importAppMeshCommand(io));
}
