import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openEmbeddedLedger, LedgerCorruptError } from './embedded-ledger.ts';
import { loadOrCreateJoinTokenSecret } from './join-token-secret.ts';

const t0 = new Date('2026-03-01T12:00:00Z');
const later = (s: number) => new Date(t0.getTime() + s * 1000);
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'trellis-ledger-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('embedded credential ledger', () => {
  it('spends a token once, also across a restart, in an owner-only file', async () => {
    const ledger = await openEmbeddedLedger({ dir, now: () => t0 });
    const results = await Promise.all([ledger.consumeOnce('acme', 'tok1', later(600)), ledger.consumeOnce('acme', 'tok1', later(600))]);
    expect(results.sort()).toEqual([false, true]);
    expect(await ledger.consumeOnce('other', 'tok1', later(600))).toBe(true);
    await ledger.close();

    const reopened = await openEmbeddedLedger({ dir, now: () => t0 });
    expect(await reopened.consumeOnce('acme', 'tok1', later(600))).toBe(false);
    expect(statSync(path.join(dir, 'ledger.jsonl')).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    await reopened.close();
  });

  it('forgets expired tokens when it compacts on open', async () => {
    const ledger = await openEmbeddedLedger({ dir, now: () => t0 });
    await ledger.consumeOnce('acme', 'short', later(60));
    await ledger.consumeOnce('acme', 'long', later(6000));
    await ledger.close();
    const reopened = await openEmbeddedLedger({ dir, now: () => later(120) });
    expect(readFileSync(path.join(dir, 'ledger.jsonl'), 'utf8')).not.toContain('short');
    expect(await reopened.consumeOnce('acme', 'long', later(6000))).toBe(false);
    await reopened.close();
  });

  it('keeps the first owner of a trust domain', async () => {
    const ledger = await openEmbeddedLedger({ dir });
    expect(await ledger.claimTrustDomain('td.example', { tenantId: 'a', mesh: 'm' })).toEqual({ tenantId: 'a', mesh: 'm' });
    expect(await ledger.claimTrustDomain('td.example', { tenantId: 'b', mesh: 'm' })).toEqual({ tenantId: 'a', mesh: 'm' });
    await ledger.close();
    const reopened = await openEmbeddedLedger({ dir });
    expect(await reopened.trustDomainOwner('td.example')).toEqual({ tenantId: 'a', mesh: 'm' });
    expect(await reopened.trustDomainOwner('nope.example')).toBeUndefined();
    await reopened.close();
  });

  it('lists audit entries newest first per tenant mesh, bounded, across restarts', async () => {
    const ledger = await openEmbeddedLedger({ dir, auditRetention: 3 });
    for (let i = 0; i < 5; i++) await ledger.audit({ at: later(i).toISOString(), tenantId: 'a', mesh: 'm', credential: 'join-token', outcome: i % 2 ? 'refused' : 'issued', reason: `r${i}` });
    await ledger.audit({ at: t0.toISOString(), tenantId: 'b', mesh: 'm', credential: 'none', outcome: 'refused' });
    expect((await ledger.listAudit({ tenantId: 'a', mesh: 'm' })).map((e) => e.reason)).toEqual(['r4', 'r3', 'r2']);
    await ledger.close();
    const reopened = await openEmbeddedLedger({ dir, auditRetention: 3 });
    expect((await reopened.listAudit({ tenantId: 'a', mesh: 'm', limit: 2 })).map((e) => e.reason)).toEqual(['r4', 'r3']);
    expect(await reopened.listAudit({ tenantId: 'b', mesh: 'm' })).toHaveLength(1);
    await reopened.close();
  });

  it('ignores a torn last line but refuses a damaged middle', async () => {
    const ledger = await openEmbeddedLedger({ dir, now: () => t0 });
    await ledger.consumeOnce('acme', 'tok1', later(600));
    await ledger.close();
    const file = path.join(dir, 'ledger.jsonl');
    appendFileSync(file, '{"t":"token","tenantId":"acme","tok');
    const reopened = await openEmbeddedLedger({ dir, now: () => t0 });
    expect(await reopened.consumeOnce('acme', 'tok1', later(600))).toBe(false);
    await reopened.close();
    writeFileSync(file, `garbage\n${readFileSync(file, 'utf8')}`);
    await expect(openEmbeddedLedger({ dir })).rejects.toBeInstanceOf(LedgerCorruptError);
  });

  it('creates the join token secret once, owner-only', async () => {
    const file = path.join(dir, 'join-token-secret');
    const a = await loadOrCreateJoinTokenSecret(file);
    const b = await loadOrCreateJoinTokenSecret(file);
    expect(a.equals(b)).toBe(true);
    expect(a.length).toBe(32);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});
