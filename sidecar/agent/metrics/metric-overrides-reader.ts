import { METRIC_OVERRIDES_FIELD, METRIC_OVERRIDES_METADATA_KEY, parseMetricOverrides, type SideMetricOverrides } from '../../../core/mesh/metric-overrides.ts';
import { fetchText } from './fetch-text.ts';

/** Active listeners only (routes come over RDS, so this stays small); a field mask cannot reach into the listener itself. */
const PATH = '/config_dump?resource=dynamic_listeners&mask=active_state';
const MAX_BYTES = 8 * 1024 * 1024;

interface Dump {
  configs?: { active_state?: { listener?: { metadata?: { filter_metadata?: Record<string, Record<string, unknown>> } } } }[];
}

/**
 * The Telemetry metric overrides of each side of this proxy, as the xDS server put them in its
 * active listeners' metadata (core/mesh/metric-overrides.ts). None found: none apply.
 */
export async function readMetricOverrides(envoyAdminPort: number, timeoutMs: number): Promise<SideMetricOverrides> {
  const dump = JSON.parse(await fetchText(`http://127.0.0.1:${envoyAdminPort}${PATH}`, MAX_BYTES, timeoutMs)) as Dump;
  const out: SideMetricOverrides = {};
  for (const c of dump.configs ?? []) {
    const value = c.active_state?.listener?.metadata?.filter_metadata?.[METRIC_OVERRIDES_METADATA_KEY]?.[METRIC_OVERRIDES_FIELD];
    const carried = typeof value === 'string' ? parseMetricOverrides(value) : undefined;
    if (carried) out[carried.side] ??= carried.overrides;
  }
  return out;
}
