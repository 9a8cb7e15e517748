/**
 * Envoy's own verdict on the config it was served. A stalled push (a cluster waiting for its
 * endpoints), a NACK or a failed update shows up here even when every request went where expected.
 */
const TROUBLE = /(?:^|\.)(init_fetch_timeout|update_rejected|update_failure): (\d+)$/;

/** What a test provokes on purpose, so the end-of-test check does not count it against the control plane. */
export interface ExpectedTrouble {
  /** The test sends config Envoy must refuse (NACK). */
  rejections?: boolean;
  /** The test stops or restarts the control plane while Envoy runs (update_failure counts lost streams). */
  connectionLoss?: boolean;
}

/** Non-zero trouble counters, as `stat: value` lines. */
export function troubleCounters(statsText: string, expected: ExpectedTrouble = {}): string[] {
  const found: string[] = [];
  for (const line of statsText.split('\n')) {
    const m = TROUBLE.exec(line.trim());
    if (!m || m[2] === '0') continue;
    if (m[1] === 'update_rejected' && expected.rejections) continue;
    if (m[1] === 'update_failure' && expected.connectionLoss) continue;
    found.push(line.trim());
  }
  return found;
}

/** Reads `/stats` through `admin` and throws when Envoy counted a stall, a rejection or a failed update. */
export async function assertNoEnvoyTrouble(label: string, admin: (pathAndQuery: string) => Promise<string>, expected: ExpectedTrouble = {}): Promise<void> {
  const text = await admin('/stats?filter=(init_fetch_timeout|update_rejected|update_failure)$');
  const found = troubleCounters(text, expected);
  if (found.length > 0) {
    throw new Error(`${label}: Envoy counted trouble with the config it was served:\n  ${found.join('\n  ')}`);
  }
}
