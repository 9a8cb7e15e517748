import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL, encodeResource, LISTENER_TYPE_URL, ROUTE_TYPE_URL, SECRET_TYPE_URL } from '../protos/index.ts';
import { goldenJson, runCase } from './testing/golden-case.ts';

const TESTDATA = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata');
const CASES = readdirSync(TESTDATA).sort();
// `UPDATE_GOLDEN=1 npx vitest run xds-server/translate` (or `vitest -u`) rewrites expected.json on purpose.
const UPDATE = process.env['UPDATE_GOLDEN'] === '1';

describe('translation goldens', () => {
  it.each(CASES)('%s matches expected.json', async (name) => {
    const dir = path.join(TESTDATA, name);
    const actual = goldenJson(runCase(dir));
    const file = path.join(dir, 'expected.json');
    if (UPDATE) writeFileSync(file, actual);
    else await expect(actual).toMatchFileSnapshot(file);
  });

  it.each(CASES)('%s: every resource encodes as its Envoy message', (name) => {
    const result = runCase(path.join(TESTDATA, name));
    const typed = [
      ...result.clusters.map((r) => [CLUSTER_TYPE_URL, r] as const),
      ...result.endpoints.map((r) => [ENDPOINT_TYPE_URL, r] as const),
      ...result.listeners.map((r) => [LISTENER_TYPE_URL, r] as const),
      ...result.routes.map((r) => [ROUTE_TYPE_URL, r] as const),
      ...(result.secrets ?? []).map((r) => [SECRET_TYPE_URL, r] as const),
    ];
    expect(typed.length).toBeGreaterThan(0);
    for (const [typeUrl, { name: resourceName, resource }] of typed) {
      expect(() => encodeResource(typeUrl, resource, resourceName)).not.toThrow();
    }
  });

  it('is deterministic: translating twice gives the same bytes of JSON', () => {
    for (const name of CASES) expect(goldenJson(runCase(path.join(TESTDATA, name)))).toBe(goldenJson(runCase(path.join(TESTDATA, name))));
  });
});
