import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildLambda } from './build.ts';
import { largestInputs } from './bundle-inputs.ts';

/**
 * The API Lambda's bundle budget: what a cold start downloads and evaluates. 3.6 MiB is today's
 * size plus a little (3.4 MiB, most of it seven AWS SDK clients and zod): a guard against growth,
 * not the 1 MB goal, which needs the SDK clients cut (README, Performance).
 */
const API_BUDGET_BYTES = 3.6 * 1024 * 1024;

describe('the API Lambda bundle', () => {
  it(`stays within ${(API_BUDGET_BYTES / 1024 / 1024).toFixed(1)} MiB, and carries no xDS translation (that is the preview bundle's)`, async () => {
    const bundle = await buildLambda('api');
    expect(statSync(bundle).size).toBeLessThanOrEqual(API_BUDGET_BYTES);
    const inputs = largestInputs(bundle, 1000).map((i) => i.name);
    expect(inputs).not.toContain('xds-server/translate');
    expect(inputs).not.toContain('xds-server/control');
    expect(inputs).toContain('functions/routes');
  }, 120_000);
});
