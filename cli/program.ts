import { Command, Option } from 'commander';
import type { CliIo } from './command-context.ts';
import { CLI_VERSION } from './cli-version.ts';
import { EXIT_CODE_HELP } from './exit-codes.ts';
import { OUTPUT_FORMATS } from './output/emit.ts';
import { registerAnalyze } from './commands/analyze.ts';
import { registerApply } from './commands/apply.ts';
import { registerAttestation } from './commands/attestation.ts';
import { registerCerts } from './commands/certs.ts';
import { registerContext } from './commands/context.ts';
import { registerDelete } from './commands/delete.ts';
import { registerDescribe } from './commands/describe.ts';
import { registerDiff } from './commands/diff.ts';
import { registerGet } from './commands/get.ts';
import { registerHistory } from './commands/history.ts';
import { registerImportAppMesh } from './commands/import-appmesh.ts';
import { registerInstall } from './commands/install-kubernetes.ts';
import { registerMesh } from './commands/mesh.ts';
import { registerProxyConfig } from './commands/proxy-config.ts';
import { registerProxyStatus } from './commands/proxy-status.ts';
import { registerRollback } from './commands/rollback.ts';
import { registerToken } from './commands/token.ts';
import { registerTop } from './commands/top.ts';
import { registerVersion } from './commands/version.ts';

const ENVIRONMENT_HELP = `Environment:
  TRELLIS_URL       API base URL (overrides the context; default http://127.0.0.1:8080)
  TRELLIS_API_KEY   API key (overrides the context)
  TRELLIS_MESH      mesh (overrides the context; --mesh/-m overrides this)
  TRELLIS_CONFIG    config file (default $XDG_CONFIG_HOME/trellis/config.yaml or ~/.config/trellis/config.yaml)
  NO_COLOR          disable colour`;

function parseRequestTimeout(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error('must be a positive number of seconds');
  return seconds * 1000;
}

/** The `trellis` command tree. Errors are thrown (exitOverride), so `main` owns every exit code. */
export function buildProgram(io: CliIo): Command {
  const program = new Command('trellis')
    .description('Operate Trellis service meshes: Istio resources in, Envoy config out')
    .version(CLI_VERSION, '--version', 'print the CLI version')
    .addOption(new Option('-m, --mesh <mesh>', 'mesh to act on (or TRELLIS_MESH, or the context)'))
    .addOption(new Option('-o, --output <format>', 'output format').choices([...OUTPUT_FORMATS]).default('table'))
    .addOption(new Option('--context <name>', 'use this saved context instead of the current one'))
    .addOption(new Option('--request-timeout <seconds>', 'timeout of each API request').argParser(parseRequestTimeout))
    .exitOverride()
    .configureOutput({ writeOut: (s) => void io.stdout.write(s), writeErr: (s) => void io.stderr.write(s) })
    .showHelpAfterError('(add --help for usage)')
    .showSuggestionAfterError()
    .addHelpText('after', `\n${ENVIRONMENT_HELP}\n\n${EXIT_CODE_HELP}\n\nDocs: docs/cli.md`);
  for (const register of [
    registerContext,
    registerMesh,
    registerApply,
    registerDiff,
    registerAnalyze,
    registerGet,
    registerDescribe,
    registerDelete,
    registerHistory,
    registerRollback,
    registerProxyStatus,
    registerProxyConfig,
    registerTop,
    registerCerts,
    registerToken,
    registerAttestation,
    registerImportAppMesh,
    registerInstall,
    registerVersion,
  ]) {
    register(program, io);
  }
  return program;
}
