import type { Duration } from '../schemas/common.ts';

/** An App Mesh duration as an Istio one; zero means "no limit" in App Mesh, so it gives undefined. */
export function toIstioDuration(d: Duration | undefined): string | undefined {
  if (!d || d.value === 0) return undefined;
  return `${d.value}${d.unit}`;
}

export function durationText(d: Duration): string {
  return `${d.value}${d.unit}`;
}
