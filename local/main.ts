import path from 'node:path';
import { createLogger } from './logger.ts';
import { startLocal } from './start-local.ts';

const logger = createLogger();

function port(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name} must be a port number (got ${raw})`);
  return n;
}

try {
  const trellis = await startLocal({
    dataDir: path.resolve(process.env.TRELLIS_DATA_DIR ?? '.trellis'),
    host: process.env.TRELLIS_HOST ?? '127.0.0.1',
    apiPort: port('TRELLIS_API_PORT', 8080),
    xdsPort: port('TRELLIS_XDS_PORT', 18000),
    bootstrapKey: process.env.TRELLIS_BOOTSTRAP_KEY || undefined,
    xdsMtls: process.env.TRELLIS_XDS_MTLS === 'true',
    logger,
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    trellis.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
} catch (err) {
  logger.fatal({ err }, 'trellis failed to start');
  process.exit(1);
}
