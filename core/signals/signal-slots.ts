import { DURATION_BOUNDS_MS } from './signal-report.ts';
import type { VersionSignals } from './golden-signals.ts';
import { histogramQuantile } from './histogram-quantile.ts';

/** Reports are summed into slots of this many seconds. */
export const SLOT_SECONDS = 10;
/** The shortest and the longest window a read may ask for; a store keeps slots this long. */
export const MIN_WINDOW_SECONDS = SLOT_SECONDS;
export const MAX_WINDOW_SECONDS = 900;

/** The counts of one version of a service in one slot (or summed over several). */
export interface SlotCounts {
  requests: number;
  errors: number;
  /** One count per bound of DURATION_BOUNDS_MS plus one above the last. */
  durations: number[];
}

/** The slot a report made at `at` goes into. */
export const slotOf = (at: Date): number => Math.floor(at.getTime() / 1000 / SLOT_SECONDS);

/** A read's window clamped to what stores keep, and the slots it covers: those after `afterSlot` up to `at`'s. */
export function windowSlots(windowSeconds: number, at: Date): { windowSeconds: number; afterSlot: number; lastSlot: number } {
  const window = Math.min(Math.max(windowSeconds, MIN_WINDOW_SECONDS), MAX_WINDOW_SECONDS);
  const lastSlot = slotOf(at);
  return { windowSeconds: window, afterSlot: lastSlot - Math.ceil(window / SLOT_SECONDS), lastSlot };
}

export const emptyDurations = (): number[] => new Array<number>(DURATION_BOUNDS_MS.length + 1).fill(0);

/** Rate, success and latency quantiles of `version` from its slots in a window. */
export function summarise(version: string, slots: readonly SlotCounts[], windowSeconds: number): VersionSignals {
  const requests = slots.reduce((n, s) => n + s.requests, 0);
  const errors = slots.reduce((n, s) => n + s.errors, 0);
  const durations = emptyDurations();
  for (const s of slots) s.durations.forEach((c, i) => (durations[i]! += c));
  const q = (p: number) => histogramQuantile(p, DURATION_BOUNDS_MS, durations);
  const p50 = q(0.5);
  return {
    version,
    requests,
    requestsPerSecond: requests / windowSeconds,
    successRate: requests === 0 ? null : (requests - errors) / requests,
    latencyMs: p50 === null ? null : { p50, p95: q(0.95)!, p99: q(0.99)! },
  };
}
