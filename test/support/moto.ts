import { spawn } from 'node:child_process';
import { MOTO_BIN } from './tools.ts';
import { freePort, waitFor } from './ports.ts';

export interface RunningMoto {
  endpoint: string;
  /** SDK v3 client options pointing at this server. */
  clientConfig: { endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string } };
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts `moto_server` on a free loopback port; resolves when it answers. */
export async function startMoto(): Promise<RunningMoto> {
  const port = await freePort();
  let output = '';
  const child = spawn(MOTO_BIN, ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (b: Buffer) => (output = (output + b.toString()).slice(-20_000)));
  child.stderr.on('data', (b: Buffer) => (output = (output + b.toString()).slice(-20_000)));
  let exited = false;
  child.on('exit', () => (exited = true));
  const endpoint = `http://127.0.0.1:${port}`;
  await waitFor(async () => {
    if (exited) throw new Error(`moto_server exited:\n${output}`);
    return (await fetch(`${endpoint}/moto-api/data.json`)).ok;
  }, 'moto_server', 30_000, 100);
  return {
    endpoint,
    clientConfig: { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } },
    async reset() {
      await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
    },
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          child.kill('SIGKILL');
          resolve();
        }, 3000);
        child.on('exit', () => {
          clearTimeout(t);
          resolve();
        });
      });
    },
  };
}
