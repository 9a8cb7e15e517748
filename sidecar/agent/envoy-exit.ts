import { envoyMessage } from './envoy-log-filter.ts';

/** How Envoy last ended, for `/ready` and the agent log: the exit code or signal and its last words on stderr. */
export interface EnvoyExit {
  code: number | null;
  signal: string | null;
  at: string;
  /** One line, e.g. `envoy exited 1: cannot bind '127.0.0.1:15000': Address already in use`. */
  reason: string;
  /** The last lines Envoy wrote to stderr before it ended (the extension banner excluded). */
  stderrTail: string[];
}

/** Envoy's last stderr line is its fatal error (it repeats the critical log line without a prefix). */
export function describeEnvoyExit(code: number | null, signal: NodeJS.Signals | null, stderrTail: readonly string[], at: Date): EnvoyExit {
  const how = signal ? `envoy was killed by ${signal}` : `envoy exited ${code ?? 'without a code'}`;
  const last = [...stderrTail].reverse().map((l) => envoyMessage(l).trim()).find((l) => l.length > 0);
  return { code, signal, at: at.toISOString(), reason: last ? `${how}: ${last}` : how, stderrTail: [...stderrTail] };
}

/** The last `max` lines, each cut to `maxChars`: bounded whatever Envoy prints. */
export class LineTail {
  private readonly lines: string[] = [];

  constructor(private readonly max = 20, private readonly maxChars = 2000) {}

  push(line: string): void {
    this.lines.push(line.length > this.maxChars ? `${line.slice(0, this.maxChars)}…` : line);
    if (this.lines.length > this.max) this.lines.shift();
  }

  clear(): void {
    this.lines.length = 0;
  }

  get value(): string[] {
    return [...this.lines];
  }
}
