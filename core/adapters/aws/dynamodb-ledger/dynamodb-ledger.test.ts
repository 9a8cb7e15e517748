import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// Tests may use the shared test tools; lint keeps production code in core/ away from test/.
import { startMoto, type RunningMoto } from '../../../../test/support/moto.ts';
import { ensureTable } from '../dynamodb-store/table.ts';
import { DynamoDbLedger } from './dynamodb-ledger.ts';
import { DynamoDbLedgerError } from './sdk-errors.ts';

const TABLE = 'trellis-config';
const t0 = new Date('2026-03-01T12:00:00Z');
const later = (s: number) => new Date(t0.getTime() + s * 1000);
let moto: RunningMoto;
let client: DynamoDBClient;
let tail: Promise<void> = Promise.resolve();

/**
 * A client whose requests reach moto one at a time: moto does not isolate overlapping requests
 * (DynamoDB does), so concurrency here tests the ledger's conditional writes, not moto's locking.
 */
function motoClient(): DynamoDBClient {
  const c = new DynamoDBClient({ ...moto.clientConfig, maxAttempts: 1 });
  c.middlewareStack.add(
    (next) => async (args) => {
      const previous = tail;
      let release = () => {};
      tail = new Promise<void>((resolve) => (release = resolve));
      await previous;
      try {
        return await next(args);
      } finally {
        release();
      }
    },
    { step: 'deserialize', name: 'motoOneAtATime' },
  );
  return c;
}

const open = (options: { now?: () => Date; tableName?: string } = {}) => new DynamoDbLedger({ client, tableName: TABLE, ...options });

beforeAll(async () => {
  moto = await startMoto();
  client = motoClient();
  await ensureTable(client, TABLE);
}, 60_000);

afterAll(async () => {
  client?.destroy();
  await moto?.stop();
});

describe('DynamoDB credential ledger (moto)', () => {
  it('spends a token once, also under concurrency and across instances, with a TTL', async () => {
    const ledger = open({ now: () => t0 });
    const results = await Promise.all(Array.from({ length: 5 }, () => ledger.consumeOnce('acme', 'tok1', later(600))));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await ledger.consumeOnce('other', 'tok1', later(600))).toBe(true);
    expect(await open().consumeOnce('acme', 'tok1', later(600))).toBe(false);

    const raw = await client.send(new GetItemCommand({ TableName: TABLE, Key: { PK: { S: 'LEDGER#acme' }, SK: { S: 'TOKEN#tok1' } } }));
    expect(raw.Item?.expiresAt).toEqual({ N: String(later(600).getTime() / 1000) });
  });

  it('keeps ids with separators apart', async () => {
    const ledger = open();
    expect(await ledger.consumeOnce('a#b', 'c', later(600))).toBe(true);
    expect(await ledger.consumeOnce('a', 'b#c', later(600))).toBe(true);
  });

  it('keeps the first owner of a trust domain, also when claims race', async () => {
    const ledger = open();
    const owners = await Promise.all([ledger.claimTrustDomain('td.example', { tenantId: 'a', mesh: 'm' }), ledger.claimTrustDomain('td.example', { tenantId: 'b', mesh: 'm' })]);
    expect(owners[1]).toEqual(owners[0]);
    expect(await ledger.claimTrustDomain('td.example', { tenantId: 'c', mesh: 'x' })).toEqual(owners[0]);
    expect(await open().trustDomainOwner('td.example')).toEqual(owners[0]);
    expect(await open().trustDomainOwner('nope.example')).toBeUndefined();
  });

  it('lists audit entries newest first per tenant mesh, bounded, across pages and instances', async () => {
    const ledger = open({ now: () => t0 });
    // Written out of order: the listing follows `at`, not the order of writes.
    for (const i of [2, 0, 4, 1, 3]) await ledger.audit({ at: later(i).toISOString(), tenantId: 'a', mesh: 'm', credential: 'join-token', outcome: i % 2 ? 'refused' : 'issued', reason: `r${i}` });
    await ledger.audit({ at: t0.toISOString(), tenantId: 'a', mesh: 'm2', credential: 'none', outcome: 'refused', reason: 'other mesh' });
    await ledger.audit({ at: t0.toISOString(), tenantId: 'b', mesh: 'm', credential: 'none', outcome: 'refused' });
    await ledger.audit({ at: t0.toISOString(), mesh: 'm', credential: 'none', outcome: 'refused', reason: 'unreadable token' });

    expect((await ledger.listAudit({ tenantId: 'a', mesh: 'm' })).map((e) => e.reason)).toEqual(['r4', 'r3', 'r2', 'r1', 'r0']);
    expect((await open().listAudit({ tenantId: 'a', mesh: 'm', limit: 2 })).map((e) => e.reason)).toEqual(['r4', 'r3']);
    expect(await ledger.listAudit({ tenantId: 'a', mesh: 'm', limit: 0 })).toEqual([]);
    expect((await ledger.listAudit({ tenantId: 'a', mesh: 'm2' })).map((e) => e.reason)).toEqual(['other mesh']);
    expect(await ledger.listAudit({ tenantId: 'b', mesh: 'm' })).toHaveLength(1);
    expect(await ledger.listAudit({ tenantId: 'c', mesh: 'm' })).toEqual([]);
    expect((await ledger.listAudit({ tenantId: 'a', mesh: 'm', limit: 1 }))[0]).toEqual({ at: later(4).toISOString(), tenantId: 'a', mesh: 'm', credential: 'join-token', outcome: 'issued', reason: 'r4' });
  });

  it('reports DynamoDB failures as ledger errors and refuses use after close', async () => {
    const missing = open({ tableName: 'no-such-table' });
    await expect(missing.consumeOnce('acme', 'tok', later(600))).rejects.toBeInstanceOf(DynamoDbLedgerError);
    await expect(missing.trustDomainOwner('td.example')).rejects.toBeInstanceOf(DynamoDbLedgerError);
    await expect(missing.listAudit({ tenantId: 'a', mesh: 'm' })).rejects.toBeInstanceOf(DynamoDbLedgerError);
    const ledger = open();
    await ledger.close();
    await expect(ledger.consumeOnce('acme', 'tok', later(600))).rejects.toThrow(/closed/);
  });
});
