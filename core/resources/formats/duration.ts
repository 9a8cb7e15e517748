/** Go/Istio duration syntax, e.g. `1s`, `0.5s`, `100ms`, `1h2m`; no sign, at least one unit. */
export const DURATION_PATTERN = /^(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+$/;

const PART = /(\d*)(?:\.(\d*))?(ns|us|µs|ms|s|m|h)/g;
const NANOS_PER_UNIT: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};
const NANOS_PER_MS = 1_000_000n;
// google.protobuf.Duration cannot hold more than about 10,000 years.
const MAX_NANOS = 315_576_000_000n * 1_000_000_000n;

/** Exact nanoseconds of a duration string, or undefined when it is not one. */
export function parseDurationNanos(text: string): bigint | undefined {
  if (!DURATION_PATTERN.test(text)) return undefined;
  let total = 0n;
  for (const [, whole = '', fraction = '', unit = 's'] of text.matchAll(PART)) {
    const scale = NANOS_PER_UNIT[unit] ?? 1n;
    total += BigInt(whole || '0') * scale;
    if (fraction) total += (BigInt(fraction) * scale) / 10n ** BigInt(fraction.length);
  }
  return total;
}

/** Why a string is not an acceptable Istio duration, or undefined when it is. */
export function durationProblem(text: string, options: { allowZero?: boolean } = {}): string | undefined {
  const nanos = parseDurationNanos(text);
  if (nanos === undefined) {
    return `"${text}" is not a duration: write a number with a unit (ms, s, m, h), e.g. "100ms", "1.5s", "1h2m"`;
  }
  if (nanos > MAX_NANOS) return `"${text}" is longer than the largest duration (315576000000s)`;
  if (nanos === 0n && options.allowZero) return undefined;
  if (nanos < NANOS_PER_MS) return `"${text}" is too short: durations must be at least 1ms`;
  if (nanos % NANOS_PER_MS !== 0n) return `"${text}" is finer than a millisecond: only millisecond precision is supported`;
  return undefined;
}
