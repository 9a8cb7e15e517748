export type LogFormat = 'json' | 'pretty';

/** `TRELLIS_LOG_FORMAT` (json or pretty) decides; unset, a terminal gets readable lines and anything else JSON. */
export function logFormat(env: NodeJS.ProcessEnv, stdoutIsTty: boolean): LogFormat {
  const chosen = env.TRELLIS_LOG_FORMAT;
  if (chosen === undefined || chosen === '') return stdoutIsTty ? 'pretty' : 'json';
  if (chosen === 'json' || chosen === 'pretty') return chosen;
  throw new Error(`TRELLIS_LOG_FORMAT must be json or pretty (got ${JSON.stringify(chosen.slice(0, 40))})`);
}
