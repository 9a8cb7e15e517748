import { readFileSync } from 'node:fs';
import path from 'node:path';
import { logFormat, type LogFormat } from './log-format.ts';
import { createLogger } from './logger.ts';
import { startBanner } from './start-banner.ts';
import { startLocal } from './start-local.ts';

let format: LogFormat;
try {
  format = logFormat(process.env, process.stdout.isTTY === true);
} catch (err) {
  process.stderr.write(`trellis: ${(err as Error).message}\n`);
  process.exit(1);
}
const logger = createLogger(format);
// package.json beside local/ (sources) and dist/ (the bundle) alike.
const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

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
    ...(format === 'pretty' ? { onListening: (info) => process.stdout.write(startBanner({ version, ...info })) } : {}),
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
