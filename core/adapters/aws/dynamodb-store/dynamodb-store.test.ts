import { randomBytes } from 'node:crypto';
import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// Tests may use the shared test tools and contract suite; lint keeps production code in core/ away from test/.
import { configStoreContract } from '../../../../test/contracts/config-store-contract.ts';
import { startMoto, type RunningMoto } from '../../../../test/support/moto.ts';
import { LimitExceededError } from '../../../errors.ts';
import type { IstioResource } from '../../../resources/resource.ts';
import type { Change, ConfigStore } from '../../../store/config-store.ts';
import { DynamoDbConfigStore } from './dynamodb-store.ts';
import { DynamoDbStoreError } from './sdk-errors.ts';
import { ensureTable } from './table.ts';

const TABLE = 'trellis-config';
/**
 * The DynamoDB-specific tests share a second table: moto copies the whole table for every
 * action of a transaction, so their large commits would slow down as the contract suite fills
 * the first one.
 */
const SPECIFIC_TABLE = 'trellis-config-specific';
let moto: RunningMoto;
const clients: DynamoDBClient[] = [];
/** The end of the queue of requests to moto, shared by every client of this file. */
let tail: Promise<void> = Promise.resolve();

/**
 * A client whose requests reach moto one at a time. moto serves requests on threads and runs a
 * transaction as deep-copy-check-apply-or-restore without a lock, so two overlapping requests
 * can undo each other; DynamoDB itself isolates every request. The store's own interleaving of
 * reads, plans and transactions across concurrent commits is untouched.
 */
function motoClient(fault?: (target: string) => 'before' | 'after' | undefined): DynamoDBClient {
  const client = new DynamoDBClient({ ...moto.clientConfig, maxAttempts: 1 });
  client.middlewareStack.add(
    (next) => async (args) => {
      const target = String((args.request as { headers?: Record<string, string> }).headers?.['x-amz-target'] ?? '').replace('DynamoDB_20120810.', '');
      const when = fault?.(target);
      if (when === 'before') throw new Error(`injected fault before ${target}`);
      const previous = tail;
      let release = () => {};
      tail = new Promise<void>((resolve) => (release = resolve));
      await previous;
      try {
        const result = await next(args);
        if (when === 'after') throw new Error(`injected fault: ${target} succeeded but its response was lost`);
        return result;
      } finally {
        release();
      }
    },
    { step: 'deserialize', name: 'motoOneAtATime' },
  );
  clients.push(client);
  return client;
}

beforeAll(async () => {
  moto = await startMoto();
  await Promise.all([ensureTable(motoClient(), TABLE), ensureTable(motoClient(), SPECIFIC_TABLE)]);
}, 60_000);

afterAll(async () => {
  for (const client of clients) client.destroy();
  await moto?.stop();
});

configStoreContract('dynamodb (moto)', async () => {
  const client = motoClient();
  const open = () => new DynamoDbConfigStore({ client, tableName: TABLE });
  const opened: ConfigStore[] = [open()];
  return {
    store: opened[0]!,
    async reopen() {
      const store = open();
      opened.push(store);
      return store;
    },
    async cleanup() {
      await Promise.all(opened.map((s) => s.close()));
    },
  };
});

let seq = 0;
const unique = (prefix: string) => `${prefix}-${process.pid}-${Date.now().toString(36)}-${seq++}`;

async function freshMesh(store: ConfigStore): Promise<{ tenantId: string; mesh: string }> {
  const tenantId = unique('ddb');
  await store.createTenant({ id: tenantId });
  await store.putMesh(tenantId, 'prod', {});
  return { tenantId, mesh: 'prod' };
}

function vs(namespace: string, name: string, spec: Record<string, unknown> = {}): IstioResource {
  return { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name, namespace }, spec: { hosts: [`${name}.${namespace}.svc`], ...spec } };
}

const put = (resource: IstioResource): Change => ({ op: 'put', resource });

/** Base64 of random bytes: compresses to about three quarters of its length. */
const noise = (chars: number) => randomBytes(Math.ceil((chars * 3) / 4)).toString('base64').slice(0, chars);

async function state(store: ConfigStore, tenantId: string, mesh: string) {
  return { mesh: await store.getMesh(tenantId, mesh), snapshot: await store.snapshot(tenantId, mesh), revisions: await store.listRevisions(tenantId, mesh) };
}

describe('DynamoDbConfigStore on moto', () => {
  describe('transaction limits', () => {
    it('fits 49 changes in one revision and rejects 50 up front, writing nothing', async () => {
      const store = new DynamoDbConfigStore({ client: motoClient(), tableName: SPECIFIC_TABLE });
      const { tenantId, mesh } = await freshMesh(store);

      const fits = await store.commit({ tenantId, mesh, author: 'test', changes: Array.from({ length: 49 }, (_, i) => put(vs('web', `a${i}`))) });
      const before = await state(store, tenantId, mesh);
      const tooMany = store.commit({ tenantId, mesh, author: 'test', changes: Array.from({ length: 50 }, (_, i) => put(vs('web', `b${i}`))) });

      expect(fits).toMatchObject({ revision: 1, created: true });
      await expect(tooMany).rejects.toThrow(LimitExceededError);
      await expect(tooMany).rejects.toThrow('this apply changes 50 resources; at most 49 fit in one revision');
      expect(await state(store, tenantId, mesh)).toEqual(before);
    });

    it('rejects a commit over 4 MB in all, writing nothing', async () => {
      const store = new DynamoDbConfigStore({ client: motoClient(), tableName: SPECIFIC_TABLE });
      const { tenantId, mesh } = await freshMesh(store);

      const big = Array.from({ length: 12 }, (_, i) => put(vs('web', `big${i}`, { blob: noise(250_000) })));

      await expect(store.commit({ tenantId, mesh, author: 'test', changes: big })).rejects.toThrow(/at most 4000000 fit in one revision/);
      expect((await store.getMesh(tenantId, mesh))!.revision).toBe(0);
      expect((await store.snapshot(tenantId, mesh)).resources).toEqual([]);
    });

    it('stores a large resource compressed near the 400 KB item limit and rejects one beyond it', async () => {
      const store = new DynamoDbConfigStore({ client: motoClient(), tableName: SPECIFIC_TABLE });
      const { tenantId, mesh } = await freshMesh(store);
      const compressible = vs('web', 'wide', { blob: 'x'.repeat(2_000_000) });
      const nearLimit = vs('web', 'near', { blob: noise(500_000) });
      const beyond = vs('web', 'beyond', { blob: noise(600_000) });

      await store.commit({ tenantId, mesh, author: 'test', changes: [put(compressible)] });
      await store.commit({ tenantId, mesh, author: 'test', changes: [put(nearLimit)] });
      const rejected = store.commit({ tenantId, mesh, author: 'test', changes: [put(beyond)] });

      await expect(rejected).rejects.toThrow(LimitExceededError);
      await expect(rejected).rejects.toThrow(/VirtualService web\/beyond takes \d+ bytes stored \(compressed\); at most 409600 fit in one item/);
      expect((await store.getResource(tenantId, mesh, { kind: 'VirtualService', namespace: 'web', name: 'near' }))!.spec).toEqual(nearLimit.spec);
      expect((await store.getResource(tenantId, mesh, { kind: 'VirtualService', namespace: 'web', name: 'wide' }, { atRevision: 1 }))!.spec).toEqual(compressible.spec);
      expect((await store.getMesh(tenantId, mesh))!.revision).toBe(2);
    });
  });

  describe('faults', () => {
    it('leaves nothing half-written when a commit transaction fails (injected fault)', async () => {
      let failNext = false;
      const store = new DynamoDbConfigStore({ client: motoClient((t) => (t === 'TransactWriteItems' && failNext ? ((failNext = false), 'before') : undefined)), tableName: SPECIFIC_TABLE });
      const { tenantId, mesh } = await freshMesh(store);
      await store.commit({ tenantId, mesh, author: 'test', changes: [put(vs('web', 'a')), put(vs('web', 'b'))] });
      const before = await state(store, tenantId, mesh);

      failNext = true;
      const failed = store.commit({ tenantId, mesh, author: 'test', changes: [put(vs('web', 'a', { v: 2 })), { op: 'delete', key: { kind: 'VirtualService', namespace: 'web', name: 'b' } }, put(vs('web', 'c'))] });

      await expect(failed).rejects.toBeInstanceOf(DynamoDbStoreError);
      expect(await state(store, tenantId, mesh)).toEqual(before);
      expect((await store.commit({ tenantId, mesh, author: 'test', changes: [put(vs('web', 'c'))] })).revision).toBe(2);
    });

    it('keeps a revision whole when the response of its transaction is lost (injected fault)', async () => {
      let loseNext = false;
      const store = new DynamoDbConfigStore({ client: motoClient((t) => (t === 'TransactWriteItems' && loseNext ? ((loseNext = false), 'after') : undefined)), tableName: SPECIFIC_TABLE });
      const { tenantId, mesh } = await freshMesh(store);
      await store.commit({ tenantId, mesh, author: 'test', changes: [put(vs('web', 'a'))] });

      loseNext = true;
      await expect(store.commit({ tenantId, mesh, author: 'test', changes: [put(vs('web', 'a', { v: 2 })), put(vs('web', 'b'))] })).rejects.toBeInstanceOf(DynamoDbStoreError);

      const head = await store.snapshot(tenantId, mesh);
      expect(head.revision).toBe(2);
      expect(head.resources.map((r) => [r.metadata.name, r.metadata.resourceVersion])).toEqual([['a', '2'], ['b', '2']]);
      expect((await store.getRevision(tenantId, mesh, 2))!.changes.map((c) => c.action)).toEqual(['updated', 'created']);
    });

    it('hides a mesh whose purge was cut short, frees its name, and finishes the purge later (injected fault)', async () => {
      let batches = 0;
      const client = motoClient((t) => (t === 'BatchWriteItem' && ++batches === 2 ? 'before' : undefined));
      const purgeFailures: Error[] = [];
      const store = new DynamoDbConfigStore({ client, tableName: SPECIFIC_TABLE, onPurgeFailure: (_id, error) => purgeFailures.push(error) });
      const { tenantId, mesh } = await freshMesh(store);
      for (let i = 0; i < 3; i++) await store.commit({ tenantId, mesh, author: 'test', changes: Array.from({ length: 10 }, (_, j) => put(vs('web', `r${i}-${j}`))) });

      await store.deleteMesh(tenantId, mesh);

      expect(purgeFailures).toEqual([expect.any(DynamoDbStoreError)]);
      expect(await store.getMesh(tenantId, mesh)).toBeUndefined();
      await expect(store.deleteMesh(tenantId, mesh)).rejects.toThrow(/not found/);
      await store.putMesh(tenantId, mesh, {});
      expect((await store.snapshot(tenantId, mesh)).resources).toEqual([]);
      expect((await store.listRevisions(tenantId, mesh)).items).toEqual([]);
      expect(await store.resumePurges()).toBeGreaterThanOrEqual(1);
      expect(await store.resumePurges()).toBe(0);
    });
  });

  describe('pagination', () => {
    it('pages through many resources at head and at a past revision, with and without filters', async () => {
      const store = new DynamoDbConfigStore({ client: motoClient(), tableName: SPECIFIC_TABLE });
      const { tenantId, mesh } = await freshMesh(store);
      const namespaces = ['a', 'a-b', 'web', 'zz'];
      const all = namespaces.flatMap((ns) => Array.from({ length: 30 }, (_, i) => vs(ns, `svc-${String(i).padStart(2, '0')}`)));
      for (let i = 0; i < all.length; i += 30) await store.commit({ tenantId, mesh, author: 'test', changes: all.slice(i, i + 30).map(put) });
      await store.commit({ tenantId, mesh, author: 'test', changes: [{ op: 'delete', key: { kind: 'VirtualService', namespace: 'web', name: 'svc-00' } }, put(vs('web', 'svc-01', { v: 2 }))] });
      const names = (rs: IstioResource[]) => rs.map((r) => `${r.metadata.namespace}/${r.metadata.name}`);
      const pages = async (query: { namespace?: string; atRevision?: number }, limit: number) => {
        const seen: IstioResource[] = [];
        let cursor: string | undefined;
        do {
          const page = await store.listResources(tenantId, mesh, { ...query, limit, ...(cursor !== undefined && { cursor }) });
          expect(page.items.length).toBeLessThanOrEqual(limit);
          seen.push(...page.items);
          cursor = page.nextCursor;
        } while (cursor);
        return names(seen);
      };
      const expected = names(all); // already in key order: namespace, then name

      expect(await pages({}, 17)).toEqual(expected.filter((n) => n !== 'web/svc-00'));
      expect(await pages({ atRevision: 4 }, 23)).toEqual(expected);
      expect(await pages({ namespace: 'web' }, 9)).toEqual(expected.filter((n) => n.startsWith('web/') && n !== 'web/svc-00'));
      expect(await pages({ namespace: 'a', atRevision: 4 }, 11)).toEqual(expected.filter((n) => n.startsWith('a/')));
    });

    it('fills a page from Query results beyond 1 MB', async () => {
      const store = new DynamoDbConfigStore({ client: motoClient(), tableName: SPECIFIC_TABLE });
      const { tenantId, mesh } = await freshMesh(store);
      const large = Array.from({ length: 12 }, (_, i) => vs('web', `large-${String(i).padStart(2, '0')}`, { blob: noise(120_000) }));
      for (let i = 0; i < large.length; i += 4) await store.commit({ tenantId, mesh, author: 'test', changes: large.slice(i, i + 4).map(put) });

      const page = await store.listResources(tenantId, mesh, { limit: 1000 });
      const past = await store.snapshot(tenantId, mesh, 3);

      expect(page.items.map((r) => r.metadata.name)).toEqual(large.map((r) => r.metadata.name));
      expect(page.nextCursor).toBeUndefined();
      expect(past.resources.map((r) => r.spec)).toEqual(large.map((r) => r.spec));
    });
  });

  it('keeps each mesh generation in its own partition', async () => {
    const client = motoClient();
    const store = new DynamoDbConfigStore({ client, tableName: SPECIFIC_TABLE });
    const { tenantId, mesh } = await freshMesh(store);
    await store.commit({ tenantId, mesh, author: 'test', changes: [put(vs('web', 'a'))] });
    const partitions = async () => {
      const out = await client.send(new QueryCommand({ TableName: SPECIFIC_TABLE, KeyConditionExpression: '#pk = :pk', ExpressionAttributeNames: { '#pk': 'PK' }, ExpressionAttributeValues: { ':pk': { S: `TENANT#${tenantId}` } }, ConsistentRead: true }));
      return (out.Items ?? []).map((i) => i.meshId?.S).filter(Boolean);
    };
    const [first] = await partitions();

    await store.deleteMesh(tenantId, mesh);
    await store.putMesh(tenantId, mesh, {});
    const [second] = await partitions();
    const leftovers = await client.send(new QueryCommand({ TableName: SPECIFIC_TABLE, KeyConditionExpression: '#pk = :pk', ExpressionAttributeNames: { '#pk': 'PK' }, ExpressionAttributeValues: { ':pk': { S: `MESH#${first}` } }, ConsistentRead: true }));

    expect(second).not.toBe(first);
    expect(leftovers.Items).toEqual([]);
  });
});
