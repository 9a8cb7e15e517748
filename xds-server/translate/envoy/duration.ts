import { parseDurationNanos } from '../../../core/resources/index.ts';

export interface ProtoDuration {
  seconds: number;
  nanos: number;
}

const NANOS_PER_SECOND = 1_000_000_000n;

/** `google.protobuf.Duration` of an Istio duration string; undefined when it is not one. */
export function protoDuration(text: string): ProtoDuration | undefined {
  const nanos = parseDurationNanos(text);
  if (nanos === undefined) return undefined;
  return { seconds: Number(nanos / NANOS_PER_SECOND), nanos: Number(nanos % NANOS_PER_SECOND) };
}

export const ZERO_DURATION: ProtoDuration = { seconds: 0, nanos: 0 };
