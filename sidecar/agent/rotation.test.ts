import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.ts';
import { DEFAULT_ROTATION, rotationTime } from './rotation.ts';

const cert = { notBefore: new Date('2026-03-01T00:00:00Z'), notAfter: new Date('2026-03-02T00:00:00Z') };
const hours = (d: Date) => (d.getTime() - cert.notBefore.getTime()) / 3600_000;

describe('rotation schedule', () => {
  it('renews at the ratio of the lifetime, moved earlier by at most the jitter', () => {
    expect(hours(rotationTime(cert, DEFAULT_ROTATION, () => 0))).toBe(12);
    expect(hours(rotationTime(cert, DEFAULT_ROTATION, () => 0.5))).toBeCloseTo(10.8);
    expect(hours(rotationTime(cert, DEFAULT_ROTATION, () => 0.999999))).toBeCloseTo(9.6, 3);
  });

  it('spreads a fleet over the window', () => {
    let seed = 42;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const times = Array.from({ length: 1000 }, () => hours(rotationTime(cert, DEFAULT_ROTATION, random)));
    expect(Math.min(...times)).toBeGreaterThanOrEqual(9.6);
    expect(Math.max(...times)).toBeLessThanOrEqual(12);
    expect(new Set(times.map((t) => Math.floor(t * 10))).size).toBeGreaterThan(20);
  });

  it('keeps out-of-range inputs inside the lifetime', () => {
    expect(hours(rotationTime(cert, { ratio: 2, jitter: 5 }, () => 3))).toBe(0);
    expect(hours(rotationTime(cert, { ratio: 0.8, jitter: 0 }, () => 0.7))).toBeCloseTo(19.2);
    expect(rotationTime({ notBefore: cert.notAfter, notAfter: cert.notBefore }, DEFAULT_ROTATION, () => 0)).toEqual(cert.notAfter);
  });

  it('counts a backdated certificate from its receipt, so a short-lived one is not due on arrival', () => {
    // A 60 s certificate from a CA that backdates notBefore by 60 s, received at issuance.
    const receivedAt = new Date('2026-03-01T00:01:00Z');
    const short = { notBefore: new Date('2026-03-01T00:00:00Z'), notAfter: new Date('2026-03-01T00:02:00Z') };
    const seconds = (d: Date) => (d.getTime() - receivedAt.getTime()) / 1000;
    expect(seconds(rotationTime(short, DEFAULT_ROTATION, () => 0, receivedAt))).toBe(30);
    expect(seconds(rotationTime(short, DEFAULT_ROTATION, () => 0.999999, receivedAt))).toBeCloseTo(24, 3);
    // Received before its notBefore (clock skew): counted from notBefore, as before.
    expect(rotationTime(cert, DEFAULT_ROTATION, () => 0, new Date('2026-02-28T23:00:00Z'))).toEqual(new Date('2026-03-01T12:00:00Z'));
  });
});

describe('backoff', () => {
  it('doubles up to the cap, with jitter in the upper half', () => {
    const policy = { baseMs: 100, maxMs: 1000 };
    expect([0, 1, 2, 3, 4, 10, 1000].map((a) => backoffDelay(a, policy, () => 1))).toEqual([100, 200, 400, 800, 1000, 1000, 1000]);
    expect(backoffDelay(3, policy, () => 0)).toBe(400);
  });
});
