/** The little the bus needs from a logger, so core does not depend on pino (pino fits as is). */
export interface BusLogger {
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export const silentLogger: BusLogger = { warn: () => {}, error: () => {} };
