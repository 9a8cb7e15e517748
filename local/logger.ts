import { pino, type Logger } from 'pino';
import type { LogFormat } from './log-format.ts';
import { prettyLogStream } from './pretty-log-stream.ts';

/** JSON lines on stdout, or readable lines for a terminal; `TRELLIS_LOG_LEVEL` picks the level (default info). */
export function createLogger(format: LogFormat = 'json', level = process.env.TRELLIS_LOG_LEVEL ?? 'info'): Logger {
  const options = { level, base: { service: 'trellis' }, timestamp: pino.stdTimeFunctions.isoTime };
  return format === 'pretty' ? pino(options, prettyLogStream()) : pino(options);
}
