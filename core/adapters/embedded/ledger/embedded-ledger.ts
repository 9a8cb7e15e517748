import { chmod, mkdir, open, readFile, rename } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { TrellisError } from '../../../errors.ts';
import type { AuditQuery, CredentialAuditEntry, CredentialLedger, TrustDomainOwner } from '../../../identity/credential-ledger.ts';
import { parseRecord } from './ledger-records.ts';
import type { LedgerRecord } from './ledger-records.ts';

export interface EmbeddedLedgerOptions {
  /** Holds `ledger.jsonl`; created with mode 0700. */
  dir: string;
  now?: () => Date;
  /** Audit entries kept per tenant mesh, in memory and across compaction. */
  auditRetention?: number;
}

const FILE = 'ledger.jsonl';

export class LedgerCorruptError extends TrellisError {}

const tokenKey = (tenantId: string, tokenId: string) => `${tenantId}\u0000${tokenId}`;
const meshKey = (tenantId: string | undefined, mesh: string) => `${tenantId ?? ''}\u0000${mesh}`;

/**
 * The credential ledger on local disk: an append-only JSON-lines file, each record fsynced
 * before the call returns, so a spent token stays spent across a crash. Opening compacts the
 * file (drops expired tokens, old audit and a torn last line) by an atomic rewrite.
 */
export async function openEmbeddedLedger({ dir, now = () => new Date(), auditRetention = 1000 }: EmbeddedLedgerOptions): Promise<CredentialLedger> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const file = path.join(dir, FILE);
  const tokens = new Map<string, number>();
  const claims = new Map<string, TrustDomainOwner>();
  const audits = new Map<string, CredentialAuditEntry[]>();

  const remember = (r: LedgerRecord) => {
    if (r.t === 'token') tokens.set(tokenKey(r.tenantId, r.tokenId), r.expiresAt);
    else if (r.t === 'claim') {
      if (!claims.has(r.trustDomain)) claims.set(r.trustDomain, { tenantId: r.tenantId, mesh: r.mesh });
    } else {
      const { t: _t, ...entry } = r;
      const key = meshKey(entry.tenantId, entry.mesh);
      const list = audits.get(key) ?? [];
      list.push(entry);
      if (list.length > auditRetention) list.splice(0, list.length - auditRetention);
      audits.set(key, list);
    }
  };

  await load(file, remember);
  await compact(file, now().getTime(), tokens, claims, audits);
  const handle: FileHandle = await open(file, 'a', 0o600);
  let tail: Promise<unknown> = Promise.resolve();
  let closed = false;
  /** Appends and fsyncs one record; appends run one at a time so lines never interleave. */
  const append = (record: LedgerRecord): Promise<void> => {
    if (closed) return Promise.reject(new TrellisError('the credential ledger is closed'));
    const run = tail.then(async () => {
      await handle.appendFile(`${JSON.stringify(record)}\n`);
      await handle.datasync();
    });
    tail = run.catch(() => undefined);
    return run;
  };

  return {
    async consumeOnce(tenantId, tokenId, expiresAt) {
      const key = tokenKey(tenantId, tokenId);
      // Decided synchronously, so two concurrent redemptions of one token cannot both win.
      if (tokens.has(key)) return false;
      tokens.set(key, expiresAt.getTime());
      try {
        await append({ t: 'token', tenantId, tokenId, expiresAt: expiresAt.getTime() });
      } catch (err) {
        tokens.delete(key);
        throw new TrellisError('could not record the join token as spent', { cause: err });
      }
      return true;
    },

    async claimTrustDomain(trustDomain, owner) {
      const existing = claims.get(trustDomain);
      if (existing) return existing;
      claims.set(trustDomain, { tenantId: owner.tenantId, mesh: owner.mesh });
      try {
        await append({ t: 'claim', trustDomain, tenantId: owner.tenantId, mesh: owner.mesh });
      } catch (err) {
        claims.delete(trustDomain);
        throw new TrellisError(`could not record the owner of trust domain ${trustDomain}`, { cause: err });
      }
      return owner;
    },

    async trustDomainOwner(trustDomain) {
      return claims.get(trustDomain);
    },

    async audit(entry) {
      const record: LedgerRecord = { t: 'audit', ...entry };
      remember(record);
      await append(record);
    },

    async listAudit({ tenantId, mesh, limit = 100 }: AuditQuery) {
      return [...(audits.get(meshKey(tenantId, mesh)) ?? [])].reverse().slice(0, limit);
    },

    async close() {
      if (closed) return;
      closed = true;
      await tail;
      await handle.close();
    },
  };
}

async function load(file: string, remember: (r: LedgerRecord) => void): Promise<void> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const lines = text.split('\n');
  // The text ends with "\n", so the last element is "" unless a write was torn by a crash.
  lines.forEach((line, i) => {
    if (line === '') return;
    const record = parseRecord(line);
    if (record) remember(record);
    // A torn last line was never acknowledged to a caller; anything else means the file was damaged.
    else if (i !== lines.length - 1) throw new LedgerCorruptError(`${file} line ${i + 1} is not a ledger record; refusing to start rather than forget spent tokens`);
  });
}

async function compact(file: string, nowMs: number, tokens: Map<string, number>, claims: Map<string, TrustDomainOwner>, audits: Map<string, CredentialAuditEntry[]>): Promise<void> {
  const records: LedgerRecord[] = [];
  for (const [trustDomain, owner] of claims) records.push({ t: 'claim', trustDomain, ...owner });
  for (const [key, expiresAt] of tokens) {
    // An expired token is refused by its signature check anyway; forgetting it is safe.
    if (expiresAt <= nowMs) {
      tokens.delete(key);
      continue;
    }
    const [tenantId, tokenId] = key.split('\u0000') as [string, string];
    records.push({ t: 'token', tenantId, tokenId, expiresAt });
  }
  for (const list of audits.values()) for (const entry of list) records.push({ t: 'audit', ...entry });
  const tmp = `${file}.${process.pid}.tmp`;
  const handle = await open(tmp, 'w', 0o600);
  try {
    await handle.writeFile(records.map((r) => `${JSON.stringify(r)}\n`).join(''));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, file);
  const dirHandle = await open(path.dirname(file), 'r');
  try {
    await dirHandle.sync();
  } finally {
    await dirHandle.close();
  }
}
