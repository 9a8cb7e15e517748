import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { startLocal, type LocalTrellis } from '../../local/start-local.ts';

export const TEST_KEY = 'e2e-admin-key-0123456789abcdef';

export interface TestTrellis extends LocalTrellis {
  dataDir: string;
  /** An API call with the admin key; JSON bodies are sent as JSON, strings as YAML. */
  api(method: string, p: string, body?: unknown): Promise<{ status: number; json: unknown; headers: Headers }>;
}

/** Local mode in this process on free ports with a temp data dir (API, xDS, embedded store). */
export async function startTestTrellis(options: { dataDir?: string; xds?: Parameters<typeof startLocal>[0]['xds']; xdsMtls?: boolean; apiPort?: number; xdsPort?: number } = {}): Promise<TestTrellis> {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'trellis-e2e-'));
  const local = await startLocal({
    dataDir,
    host: '127.0.0.1',
    apiPort: options.apiPort ?? 0,
    xdsPort: options.xdsPort ?? 0,
    bootstrapKey: TEST_KEY,
    ...(options.xdsMtls ? { xdsMtls: true } : {}),
    logger: pino({ level: process.env.TRELLIS_TEST_LOG ?? 'silent' }),
    // Cloud Map sources are read from a closed loopback port unless a test brings the emulator: tests reach no network.
    xds: { reconcileIntervalMs: 1000, registrationGraceMs: 500, cloudMap: { endpoint: 'http://127.0.0.1:9', region: 'us-east-1', credentials: { accessKeyId: 'none', secretAccessKey: 'none' } }, ...options.xds },
  });
  return {
    ...local,
    dataDir,
    async api(method, p, body) {
      const headers: Record<string, string> = { authorization: `Bearer ${TEST_KEY}` };
      let payload: string | undefined;
      if (typeof body === 'string') {
        headers['content-type'] = 'application/yaml';
        payload = body;
      } else if (body !== undefined) {
        headers['content-type'] = 'application/json';
        payload = JSON.stringify(body);
      }
      const res = await fetch(`${local.apiUrl}${p}`, { method, headers, body: payload });
      const text = await res.text();
      let json: unknown = text;
      try {
        json = JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      return { status: res.status, json, headers: res.headers };
    },
    async close() {
      await local.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
