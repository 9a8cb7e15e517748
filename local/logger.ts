import { pino, type Logger } from 'pino';

/** Structured JSON lines on stdout; `TRELLIS_LOG_LEVEL` picks the level (default info). */
export function createLogger(level = process.env.TRELLIS_LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { service: 'trellis' }, timestamp: pino.stdTimeFunctions.isoTime });
}
