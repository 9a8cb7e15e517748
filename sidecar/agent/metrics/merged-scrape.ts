import type { Logger } from 'pino';
import type { AgentMetrics } from './agent-metrics.ts';
import { fetchText } from './fetch-text.ts';
import type { SideMetricOverrides } from '../../../core/mesh/metric-overrides.ts';
import { istioMetrics, type WorkloadIdentity } from './istio-metrics.ts';
import { readMetricOverrides } from './metric-overrides-reader.ts';
import { parsePrometheusText, type MetricFamily } from './prometheus-text.ts';

export interface MergedScrapeOptions {
  /** Envoy's loopback admin port; without it the scrape has no Envoy or Istio metrics. */
  envoyAdminPort?: number;
  /** The app's own metrics (loopback), merged after the proxy's. */
  appMetricsUrl?: string;
  identity: () => WorkloadIdentity;
  agent: AgentMetrics;
  logger: Logger;
  /** Per source (default 5 s). */
  timeoutMs?: number;
}

/** A scrape bigger than this is refused: Envoy's stats for thousands of clusters stay well below. */
export const MAX_SCRAPE_BYTES = 32 * 1024 * 1024;

const withNewline = (text: string) => (text === '' || text.endsWith('\n') ? text : `${text}\n`);

/** Every name a family's samples use, so a merged family cannot reuse another's series names. */
function namesOf(families: readonly MetricFamily[]): Set<string> {
  return new Set(families.flatMap((f) => [f.name, ...f.samples.map((s) => s.name)]));
}

/**
 * One Prometheus scrape of the sidecar: Envoy's stats, Istio's standard metrics derived from
 * them (with the Telemetry metric overrides Envoy's listeners carry), the agent's own metrics and the app's. Each part is checked before it is passed on: a
 * source that fails or does not parse is left out (and counted), never breaks the whole scrape,
 * and an app family whose name the proxy already uses is dropped.
 */
export async function mergedScrape(o: MergedScrapeOptions): Promise<string> {
  const timeout = o.timeoutMs ?? 5000;
  const log = o.logger;
  let envoyText = '';
  let envoyFamilies: MetricFamily[] = [];
  if (o.envoyAdminPort !== undefined) try {
    const text = await fetchText(`http://127.0.0.1:${o.envoyAdminPort}/stats/prometheus`, MAX_SCRAPE_BYTES, timeout);
    const parsed = parsePrometheusText(text);
    if (!parsed.ok) throw new Error(`Envoy's stats do not parse: ${parsed.errors.slice(0, 3).map((e) => `${e.path}: ${e.message}`).join('; ')}`);
    envoyText = text;
    envoyFamilies = parsed.value;
  } catch (err) {
    o.agent.scrapeFailed('envoy');
    log.debug({ err: (err as Error).message }, 'envoy stats unavailable for this scrape');
  }
  let overrides: SideMetricOverrides | undefined;
  if (o.envoyAdminPort !== undefined && envoyFamilies.length > 0) try {
    overrides = await readMetricOverrides(o.envoyAdminPort, timeout);
  } catch (err) {
    // Without the overrides the Istio metrics would show what Telemetry disabled: leave them out of this scrape.
    o.agent.scrapeFailed('envoy');
    log.debug({ err: (err as Error).message }, 'metric overrides unavailable for this scrape');
    envoyFamilies = [];
  }
  const istio = istioMetrics(new Map(envoyFamilies.map((f) => [f.name, f])), o.identity(), overrides);
  const own = o.agent.text();
  const ownParsed = parsePrometheusText(istio + own);
  const taken = namesOf([...envoyFamilies, ...(ownParsed.ok ? ownParsed.value : [])]);
  const app = o.appMetricsUrl ? await appFamilies(o.appMetricsUrl, taken, o, timeout) : '';
  return withNewline(envoyText) + istio + withNewline(own) + app;
}

async function appFamilies(url: string, taken: ReadonlySet<string>, o: MergedScrapeOptions, timeoutMs: number): Promise<string> {
  try {
    const parsed = parsePrometheusText(await fetchText(url, MAX_SCRAPE_BYTES, timeoutMs));
    if (!parsed.ok) throw new Error(`the app's metrics do not parse: ${parsed.errors.slice(0, 3).map((e) => `${e.path}: ${e.message}`).join('; ')}`);
    const kept = parsed.value.filter((f) => ![...namesOf([f])].some((n) => taken.has(n)));
    const dropped = parsed.value.length - kept.length;
    if (dropped > 0) o.logger.warn({ dropped: parsed.value.filter((f) => !kept.includes(f)).map((f) => f.name).slice(0, 10) }, "app metric families dropped: the proxy's own use these names");
    return kept.map((f) => f.lines.join('\n') + '\n').join('');
  } catch (err) {
    o.agent.scrapeFailed('app');
    o.logger.warn({ err: (err as Error).message, url }, 'app metrics left out of this scrape');
    return '';
  }
}
