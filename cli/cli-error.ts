import type { FieldError } from '../core/result.ts';
import { ExitCode, type ExitCodeValue } from './exit-codes.ts';

/** A failure the CLI reports and exits with: a message, what to do next, and field errors. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue = ExitCode.Failure,
    readonly options: { hint?: string; fieldErrors?: readonly FieldError[]; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
  }

  get hint(): string | undefined {
    return this.options.hint;
  }

  get fieldErrors(): readonly FieldError[] {
    return this.options.fieldErrors ?? [];
  }
}

/** Not a failure: the command has printed its answer, and its exit status is part of it (diff: 1 = differences). */
export class ExitStatus extends Error {
  constructor(readonly exitCode: ExitCodeValue) {
    super(`exit status ${exitCode}`);
    this.name = new.target.name;
  }
}

export const usageError = (message: string, hint?: string) => new CliError(message, ExitCode.Usage, hint ? { hint } : {});
