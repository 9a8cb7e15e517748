// `npm run start:hosted`: the hosted topology on this machine (README, "The hosted service on your laptop").
import path from 'node:path';
import { startHostedTopology } from './hosted/start-hosted-topology.ts';

const started = performance.now();
const dataDir = path.resolve(process.env.TRELLIS_DATA_DIR ?? '.trellis-hosted');
const say = (line: string) => process.stderr.write(`start:hosted: ${line}\n`);

try {
  const topology = await startHostedTopology({ dataDir, bootstrapKey: process.env.TRELLIS_BOOTSTRAP_KEY || undefined, logLevel: process.env.TRELLIS_LOG_LEVEL ?? 'info' });
  say(`healthy in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  say(`API (Lambda behind the HTTP API stand-in) ${topology.apiUrl}; admin key in ${process.env.TRELLIS_BOOTSTRAP_KEY ? 'TRELLIS_BOOTSTRAP_KEY' : path.join(dataDir, 'admin-key')}`);
  say(`xDS (mTLS) ${topology.xdsAddress} in front of ${topology.replicas.map((r) => `${r.id} ${r.xdsAddress}`).join(', ')}; AWS APIs (moto) ${topology.aws.endpoint}`);
  say(`logs and hosted.json in ${dataDir}; Ctrl-C stops everything (moto keeps its state in memory only)`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`${signal}: stopping`);
    topology.close().then(
      () => process.exit(0),
      (err: unknown) => {
        say(`stopping failed: ${String(err)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
} catch (err) {
  say(`failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
