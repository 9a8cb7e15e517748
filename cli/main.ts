import { CommanderError } from 'commander';
import type { CliIo } from './command-context.ts';
import { ExitCode, type ExitCodeValue } from './exit-codes.ts';
import { CliError, ExitStatus } from './cli-error.ts';
import { colorEnabled, paintWith } from './output/color.ts';
import { formatError } from './output/error-report.ts';
import { buildProgram } from './program.ts';

// Commander's own exits that are not failures.
const SUCCESS_CODES = new Set(['commander.helpDisplayed', 'commander.help', 'commander.version', 'commander.executeSubCommandAsync']);

/** Runs one invocation and returns its exit code; never calls process.exit itself. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCodeValue> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return ExitCode.Ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander printed the message already; help and --version are successes, anything else is a usage error.
      return SUCCESS_CODES.has(err.code) ? ExitCode.Ok : ExitCode.Usage;
    }
    if (err instanceof ExitStatus) return err.exitCode;
    io.stderr.write(formatError(err, paintWith(colorEnabled(io.stderr, io.env))));
    return err instanceof CliError ? err.exitCode : ExitCode.Failure;
  }
}
