import { afterEach, beforeEach } from 'vitest';
import { openDelta, openSotw } from './ads-client.ts';
import { startTestServer, type TestServer } from './test-server.ts';

/**
 * For a describe block: a fresh test ADS server per test, and ADS streams on it, closed with the
 * server after each test.
 */
export function useTestServer(options: Parameters<typeof startTestServer>[0] = {}) {
  let current: TestServer | undefined;
  const streams: { close(): void }[] = [];
  const running = (): TestServer => {
    if (!current) throw new Error('the test server runs only inside a test');
    return current;
  };
  const track = <S extends { close(): void }>(stream: S): S => {
    streams.push(stream);
    return stream;
  };
  beforeEach(async () => {
    current = await startTestServer(options);
  });
  afterEach(async () => {
    for (const s of streams.splice(0)) s.close();
    await current?.stop();
    current = undefined;
  });
  return {
    get server(): TestServer {
      return running();
    },
    sotw: () => track(openSotw(running().port)),
    delta: () => track(openDelta(running().port)),
  };
}
