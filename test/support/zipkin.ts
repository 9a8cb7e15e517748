import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { freePort, waitFor } from './ports.ts';
import { ROOT } from './tools.ts';

export interface ZipkinSpan {
  traceId: string;
  id: string;
  parentId?: string;
  kind?: string;
  name?: string;
  localEndpoint?: { serviceName?: string };
  tags?: Record<string, string>;
}

export interface RunningZipkin {
  port: number;
  /** Traces holding a span with tag `key=value`, as Zipkin's query API answers (at most `limit`, default 100). */
  tracesTagged(key: string, value: string, limit?: number): Promise<ZipkinSpan[][]>;
  stop(): Promise<void>;
}

/** A real Zipkin server (the jar scripts/ensure-zipkin.sh installs) on a loopback port, in-memory storage. */
export async function startZipkin(): Promise<RunningZipkin> {
  const jar = execFileSync('bash', [path.join(ROOT, 'scripts/ensure-zipkin.sh')], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 600_000 }).trim();
  const port = await freePort();
  let output = '';
  const child = spawn('java', ['-Xmx256m', '-XX:TieredStopAtLevel=1', '-jar', path.resolve(ROOT, jar), `--armeria.ports[0].ip=127.0.0.1`, `--armeria.ports[0].port=${port}`, '--armeria.ports[0].protocols=http'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, STORAGE_TYPE: 'mem', QUERY_PORT: String(port) },
  });
  child.stdout.on('data', (b: Buffer) => (output = (output + b.toString()).slice(-20_000)));
  child.stderr.on('data', (b: Buffer) => (output = (output + b.toString()).slice(-20_000)));
  let exited = false;
  child.on('exit', () => (exited = true));
  try {
    await waitFor(async () => {
      if (exited) throw new Error(`zipkin exited:\n${output}`);
      return (await fetch(`http://127.0.0.1:${port}/health`)).status === 200;
    }, 'zipkin /health', 90_000, 250);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    port,
    async tracesTagged(key, value, limit = 100) {
      const query = new URLSearchParams({ annotationQuery: `${key}=${value}`, limit: String(limit), lookback: '3600000' });
      const res = await fetch(`http://127.0.0.1:${port}/api/v2/traces?${query}`);
      if (res.status !== 200) throw new Error(`zipkin answered ${res.status}: ${await res.text()}`);
      return (await res.json()) as ZipkinSpan[][];
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited) return resolve();
        child.on('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
