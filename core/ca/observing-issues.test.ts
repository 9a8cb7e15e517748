import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openEmbeddedCa } from '../adapters/embedded/ca/embedded-ca.ts';
import { makeCsr } from './testing/make-csr.ts';
import { observingIssues } from './observing-issues.ts';

const SPIFFE_ID = 'spiffe://prod.acme.trellis.local/ns/shop/sa/cart';

let dir: string;
beforeEach(async () => {
  dir = path.join(await mkdtemp(path.join(tmpdir(), 'trellis-ca-observed-')), 'ca');
});
afterEach(async () => {
  await rm(path.dirname(dir), { recursive: true, force: true });
});

describe('observingIssues', () => {
  it('reports each issued certificate and each failure, passing results and errors through unchanged', async () => {
    const ca = await openEmbeddedCa({ dir });
    const seen: string[] = [];
    const failures: unknown[] = [];
    const observed = observingIssues(ca, { issued: () => seen.push('issued'), failed: (err) => failures.push(err) });

    const issued = await observed.issue({ csrPem: (await makeCsr()).pem, spiffeId: SPIFFE_ID, ttlSeconds: 3600 });
    expect(issued.certificateChainPem).toContain('BEGIN CERTIFICATE');
    expect(await observed.trustBundle()).toBe(await ca.trustBundle());

    const refused = await observed.issue({ csrPem: 'not a CSR', spiffeId: SPIFFE_ID, ttlSeconds: 3600 }).then(() => undefined, (e: unknown) => e);
    expect(refused).toBeInstanceOf(Error);
    expect(seen).toEqual(['issued']);
    expect(failures).toEqual([refused]);
  });
});
