import type { Command } from 'commander';
import { ApiClient, meshPath } from './api-client.ts';
import { configPath, readConfig, type TrellisConfig } from './config/config-file.ts';
import { requireApiKey, requireMesh, resolveTarget, type Target } from './config/resolve-target.ts';
import { colorEnabled, paintWith, type Paint } from './output/color.ts';
import { formatOutput, type OutputFormat } from './output/emit.ts';

/** The process's streams and environment, injectable for tests. */
export interface CliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  env: Readonly<Record<string, string | undefined>>;
  readStdin?: () => Promise<string>;
}

/** Options every command accepts (defined on the program). */
export interface GlobalOptions {
  mesh?: string;
  output: OutputFormat;
  context?: string;
  requestTimeout?: number;
}

/** What a command needs: resolved target, API client, output helpers. */
export class CommandContext {
  readonly paint: Paint;
  private cachedConfig: TrellisConfig | undefined;

  constructor(
    readonly io: CliIo,
    readonly options: GlobalOptions,
  ) {
    this.paint = paintWith(colorEnabled(io.stdout, io.env));
  }

  static of(io: CliIo, command: Command): CommandContext {
    return new CommandContext(io, command.optsWithGlobals<GlobalOptions>());
  }

  get configFile(): string {
    return configPath(this.io.env);
  }

  config(): TrellisConfig {
    this.cachedConfig ??= readConfig(this.configFile);
    return this.cachedConfig;
  }

  target(): Target {
    return resolveTarget(this.config(), { ...(this.options.context ? { context: this.options.context } : {}), ...(this.options.mesh ? { mesh: this.options.mesh } : {}) }, this.io.env);
  }

  client(): ApiClient {
    const target = this.target();
    return new ApiClient({ server: target.server, apiKey: requireApiKey(target), ...(this.options.requestTimeout ? { timeoutMs: this.options.requestTimeout } : {}) });
  }

  mesh(): string {
    return requireMesh(this.target());
  }

  /** `-n` when given, else the context's namespace, else `default` (as kubectl does). */
  namespace(flag: string | undefined): string {
    return flag ?? this.target().namespace ?? 'default';
  }

  /** `/v1/meshes/{mesh}` + rest, for the selected mesh. */
  meshPath(rest = ''): string {
    return meshPath(this.mesh(), rest);
  }

  out(text: string): void {
    this.io.stdout.write(text.endsWith('\n') || text === '' ? text : text + '\n');
  }

  err(text: string): void {
    this.io.stderr.write(text.endsWith('\n') ? text : text + '\n');
  }

  /** Where progress goes: stdout for humans, stderr when stdout carries JSON or YAML. */
  get progressStream(): CliIo['stdout'] {
    return this.options.output === 'table' ? this.io.stdout : this.io.stderr;
  }

  /** A human note: on stdout with tables, on stderr when stdout is machine-readable. */
  note(text: string): void {
    if (this.options.output === 'table') this.out(text);
    else this.err(text);
  }

  /** Prints `data` in the chosen format; `table` renders the human form. */
  emit(data: unknown, table: () => string): void {
    this.out(formatOutput(this.options.output, data, table));
  }
}
