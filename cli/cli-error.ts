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

export const usageError = (message: string, hint?: string) => new CliError(message, ExitCode.Usage, hint ? { hint } : {});
