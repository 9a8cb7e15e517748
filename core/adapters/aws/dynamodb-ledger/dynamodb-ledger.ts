import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { TrellisError } from '../../../errors.ts';
import type { AuditQuery, CredentialAuditEntry, CredentialLedger, TrustDomainOwner } from '../../../identity/credential-ledger.ts';
import { auditKey, auditPrefix, ledgerPartition, tokenKey, trustDomainKey, type ItemKey } from './keys.ts';
import { fromDynamoDbError, isConditionFailure } from './sdk-errors.ts';

export interface DynamoDbLedgerOptions {
  /** Owned by the caller: `close()` does not destroy it. */
  client: DynamoDBClient;
  /** The config table (the store's): string keys PK/SK, TTL on `expiresAt`. See keys.ts for the items. */
  tableName: string;
  now?: () => Date;
  /** How long audit entries are kept before DynamoDB's TTL removes them (default 90 days). */
  auditRetentionDays?: number;
}

/** The most audit entries one listAudit returns, whatever the caller asks for. */
export const MAX_AUDIT_LIMIT = 1000;
const DEFAULT_AUDIT_LIMIT = 100;
/** The table's TTL attribute (epoch seconds); infra/constructs/storage.ts declares the same name. */
const TTL = 'expiresAt';

const epochSeconds = (d: Date): number => Math.ceil(d.getTime() / 1000);

/**
 * The credential ledger in the DynamoDB config table, for the API Lambda and the xds-server fleet:
 * every decision is one conditional write, so concurrent invocations agree without a lock.
 * Spent tokens and audit entries expire through the table's TTL (DynamoDB deletes them within
 * days of `expiresAt`; an expired token is refused by its own expiry check before that).
 */
export class DynamoDbLedger implements CredentialLedger {
  readonly #doc: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #now: () => Date;
  readonly #auditRetentionSeconds: number;
  #closed = false;

  constructor({ client, tableName, now = () => new Date(), auditRetentionDays = 90 }: DynamoDbLedgerOptions) {
    this.#doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    this.#table = tableName;
    this.#now = now;
    this.#auditRetentionSeconds = Math.round(auditRetentionDays * 86_400);
  }

  async consumeOnce(tenantId: string, tokenId: string, expiresAt: Date): Promise<boolean> {
    this.#open();
    // The write is the decision: of two concurrent redemptions DynamoDB lets exactly one put succeed.
    return this.#putIfAbsent({ ...tokenKey(tenantId, tokenId), [TTL]: epochSeconds(expiresAt), spentAt: this.#now().toISOString() }, 'PutItem (spend join token)');
  }

  async claimTrustDomain(trustDomain: string, owner: TrustDomainOwner): Promise<TrustDomainOwner> {
    this.#open();
    const claimed = await this.#putIfAbsent({ ...trustDomainKey(trustDomain), tenantId: owner.tenantId, mesh: owner.mesh, claimedAt: this.#now().toISOString() }, 'PutItem (claim trust domain)');
    if (claimed) return { tenantId: owner.tenantId, mesh: owner.mesh };
    // Claims are never deleted, so the item that beat us is still there to read.
    const existing = await this.trustDomainOwner(trustDomain);
    if (!existing) throw new TrellisError(`credential ledger: trust domain ${trustDomain} is claimed but its owner could not be read`);
    return existing;
  }

  async trustDomainOwner(trustDomain: string): Promise<TrustDomainOwner | undefined> {
    this.#open();
    const item = await this.#get(trustDomainKey(trustDomain), 'GetItem (trust domain owner)');
    if (!item) return undefined;
    if (typeof item.tenantId !== 'string' || typeof item.mesh !== 'string') throw new TrellisError(`credential ledger: the owner item of trust domain ${trustDomain} is malformed`);
    return { tenantId: item.tenantId, mesh: item.mesh };
  }

  async audit(entry: CredentialAuditEntry): Promise<void> {
    this.#open();
    const now = this.#now();
    const at = new Date(entry.at);
    // The sort key orders by time, so it takes a normalised timestamp; the entry keeps what the caller wrote.
    const atIso = (Number.isNaN(at.getTime()) ? now : at).toISOString();
    const item = { ...auditKey(entry.tenantId, entry.mesh, atIso, randomUUID()), entry: JSON.stringify(entry), [TTL]: epochSeconds(now) + this.#auditRetentionSeconds };
    try {
      await this.#doc.send(new PutCommand({ TableName: this.#table, Item: item }));
    } catch (error) {
      throw fromDynamoDbError(error, 'PutItem (audit)');
    }
  }

  async listAudit({ tenantId, mesh, limit = DEFAULT_AUDIT_LIMIT }: AuditQuery): Promise<CredentialAuditEntry[]> {
    this.#open();
    const wanted = Math.min(Math.max(Math.trunc(limit), 0), MAX_AUDIT_LIMIT);
    const entries: CredentialAuditEntry[] = [];
    let start: Record<string, unknown> | undefined;
    // Each page asks only for what is still missing, so the loop ends after a few pages at most.
    while (entries.length < wanted) {
      const page = await this.#query(ledgerPartition(tenantId), auditPrefix(mesh), wanted - entries.length, start);
      for (const item of page.items) {
        const parsed = parseEntry(item.entry);
        if (parsed) entries.push(parsed);
      }
      start = page.next;
      if (!start) break;
    }
    return entries.slice(0, wanted);
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #open(): void {
    if (this.#closed) throw new TrellisError('the credential ledger is closed');
  }

  async #putIfAbsent(item: ItemKey & Record<string, unknown>, action: string): Promise<boolean> {
    try {
      await this.#doc.send(new PutCommand({ TableName: this.#table, Item: item, ConditionExpression: 'attribute_not_exists(PK)' }));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw fromDynamoDbError(error, action);
    }
  }

  async #get(key: ItemKey, action: string): Promise<Record<string, unknown> | undefined> {
    try {
      const out = await this.#doc.send(new GetCommand({ TableName: this.#table, Key: key, ConsistentRead: true }));
      return out.Item;
    } catch (error) {
      throw fromDynamoDbError(error, action);
    }
  }

  async #query(partition: string, prefix: string, limit: number, start: Record<string, unknown> | undefined) {
    try {
      const out = await this.#doc.send(
        new QueryCommand({
          TableName: this.#table,
          ConsistentRead: true,
          ScanIndexForward: false,
          Limit: limit,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
          ExpressionAttributeValues: { ':pk': partition, ':prefix': prefix },
          ...(start && { ExclusiveStartKey: start }),
        }),
      );
      return { items: (out.Items ?? []) as Record<string, unknown>[], next: out.LastEvaluatedKey };
    } catch (error) {
      throw fromDynamoDbError(error, 'Query (audit)');
    }
  }
}

/** An entry as it was written; undefined for an item this version did not write. */
function parseEntry(raw: unknown): CredentialAuditEntry | undefined {
  if (typeof raw !== 'string') return undefined;
  try {
    const value = JSON.parse(raw) as unknown;
    if (typeof value !== 'object' || value === null) return undefined;
    const e = value as Record<string, unknown>;
    return typeof e.at === 'string' && typeof e.mesh === 'string' && typeof e.outcome === 'string' ? (value as CredentialAuditEntry) : undefined;
  } catch {
    return undefined;
  }
}
