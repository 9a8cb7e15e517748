import { providerProblem } from '../../../core/mesh/default-providers.ts';
import type { ExtensionProvider } from '../../../core/mesh/extension-providers.ts';
import { ISTIO_METRIC_CLASSES, type IstioMetricClass, type MetricOverrides } from '../../../core/mesh/metric-overrides.ts';
import { labelsMatch } from '../mesh/labels-match.ts';
import type { MeshIndex, TelemetryEntry } from '../mesh/mesh-model.ts';
import type { ProxyDescriptor } from '../proxy-descriptor.ts';
import { isRootNamespace } from '../security/policy-scope.ts';
import type { TranslationIssue } from '../translation-result.ts';

/** Which side of a proxy a setting is for, as Istio's WorkloadMode names it (gateways are CLIENT). */
export type TelemetryMode = 'CLIENT' | 'SERVER';

type Spec = TelemetryEntry['spec'];
type CustomTag = NonNullable<NonNullable<Spec['tracing']>[number]['customTags']>[string];

export interface AccessLogSink {
  provider: ExtensionProvider;
  filter?: string;
}

export interface TracingSettings {
  provider: ExtensionProvider;
  /** Percent of requests sampled where no upstream decision arrives with the request. */
  samplingPercentage: number;
  customTags: Readonly<Record<string, CustomTag>>;
}

/** What one side of a proxy group logs and traces, after mesh, namespace and workload Telemetry are merged. */
export interface EffectiveTelemetry {
  accessLogs: AccessLogSink[];
  tracing: TracingSettings | undefined;
  /** How the agent changes the Istio metrics of this side; undefined when nothing overrides them. */
  metrics: MetricOverrides | undefined;
}

// Istio's default sampling (MeshConfig defaultConfig.tracing.sampling) when nothing sets a rate.
const DEFAULT_SAMPLING_PERCENTAGE = 1;

const appliesToMode = (mode: string | undefined, wanted: TelemetryMode) => mode === undefined || mode === 'CLIENT_AND_SERVER' || mode === wanted;
const hasSelector = (t: TelemetryEntry) => Object.keys(t.spec.selector?.matchLabels ?? {}).length > 0;

/**
 * The Telemetry resources of one proxy, least specific first: the root namespace's selector-less
 * one (mesh-wide), its namespace's selector-less one, and the one whose selector matches it.
 * Istio uses one per level; a second is reported and ignored (resources are in source order).
 */
export function telemetryLevels(index: MeshIndex, proxy: ProxyDescriptor, issues: TranslationIssue[]): TelemetryEntry[] {
  const levels: TelemetryEntry[] = [];
  const pick = (candidates: TelemetryEntry[], level: string) => {
    const [first, ...rest] = candidates;
    for (const other of rest) issues.push({ resource: other.source, field: 'spec', message: `${first!.source} is already the ${level} Telemetry; ignored` });
    if (first) levels.push(first);
  };
  const usable = index.telemetries.filter((t) => !t.spec.targetRef && !t.spec.targetRefs);
  pick(usable.filter((t) => isRootNamespace(t.namespace) && !hasSelector(t)), 'mesh-wide');
  if (!isRootNamespace(proxy.namespace)) pick(usable.filter((t) => t.namespace === proxy.namespace && !hasSelector(t)), `namespace ${proxy.namespace}`);
  pick(usable.filter((t) => t.namespace === proxy.namespace && hasSelector(t) && labelsMatch(t.spec.selector?.matchLabels, proxy.labels)), 'workload');
  return levels;
}

function providerNamed(index: MeshIndex, signal: 'accessLogging' | 'tracing' | 'metrics', name: string, at: { resource: string; field: string }, issues: TranslationIssue[]): ExtensionProvider | undefined {
  const problem = providerProblem(signal, name, index.settings.extensionProviders);
  if (problem) {
    issues.push({ ...at, message: `${problem}; not applied` });
    return undefined;
  }
  return index.settings.extensionProviders?.find((p) => p.name === name);
}

const MESH_SETTINGS = 'MeshSettings';

/** Access logs of one mode: each level that says anything for the mode replaces the providers above it; a provider keeps `disabled` and `filter` from above unless this level sets them. */
function accessLogsFor(index: MeshIndex, levels: TelemetryEntry[], mode: TelemetryMode, issues: TranslationIssue[]): AccessLogSink[] {
  type State = { disabled: boolean; filter: string | undefined; at: { resource: string; field: string } };
  let current = new Map<string, State>();
  (index.settings.defaultProviders?.accessLogging ?? []).forEach((name, i) => current.set(name, { disabled: false, filter: undefined, at: { resource: MESH_SETTINGS, field: `defaultProviders.accessLogging[${i}]` } }));
  for (const level of levels) {
    const entries = (level.spec.accessLogging ?? []).map((entry, i) => ({ entry, i })).filter(({ entry }) => appliesToMode(entry.match?.mode, mode));
    if (entries.length === 0) continue;
    const next = new Map<string, State>();
    for (const { entry, i } of entries) {
      const names = entry.providers?.map((p) => p.name) ?? [...current.keys()];
      names.forEach((name, j) => {
        const above = next.get(name) ?? current.get(name);
        next.set(name, {
          disabled: entry.disabled ?? above?.disabled ?? false,
          filter: entry.filter?.expression ?? above?.filter,
          at: { resource: level.source, field: entry.providers ? `spec.accessLogging[${i}].providers[${j}].name` : `spec.accessLogging[${i}]` },
        });
      });
    }
    current = next;
  }
  const sinks: AccessLogSink[] = [];
  for (const [name, state] of current) {
    if (state.disabled) continue;
    const provider = providerNamed(index, 'accessLogging', name, state.at, issues);
    if (provider) sinks.push({ provider, ...(state.filter !== undefined ? { filter: state.filter } : {}) });
  }
  return sinks;
}

/** Tracing of one mode: each level's entry for the mode overrides the fields it sets; custom tags merge by name. */
function tracingFor(index: MeshIndex, levels: TelemetryEntry[], mode: TelemetryMode, issues: TranslationIssue[]): TracingSettings | undefined {
  let name = index.settings.defaultProviders?.tracing?.[0];
  let at = { resource: MESH_SETTINGS, field: 'defaultProviders.tracing[0]' };
  let samplingPercentage = DEFAULT_SAMPLING_PERCENTAGE;
  let reportSpans = true;
  let customTags: Record<string, CustomTag> = {};
  for (const level of levels) {
    const i = (level.spec.tracing ?? []).findIndex((t) => appliesToMode(t.match?.mode, mode));
    const entry = level.spec.tracing?.[i];
    if (!entry) continue;
    if (entry.providers?.[0]) {
      name = entry.providers[0].name;
      at = { resource: level.source, field: `spec.tracing[${i}].providers[0].name` };
    }
    if (entry.randomSamplingPercentage !== undefined) samplingPercentage = entry.randomSamplingPercentage;
    if (entry.disableSpanReporting !== undefined) reportSpans = !entry.disableSpanReporting;
    customTags = { ...customTags, ...entry.customTags };
  }
  if (name === undefined || !reportSpans) return undefined;
  const provider = providerNamed(index, 'tracing', name, at, issues);
  return provider ? { provider, samplingPercentage, customTags } : undefined;
}

/** Metrics are served by the agent from Envoy's stats: a Telemetry may only name prometheus providers for them. */
function checkMetrics(index: MeshIndex, levels: TelemetryEntry[], issues: TranslationIssue[]): void {
  for (const level of levels) {
    level.spec.metrics?.forEach((m, i) => m.providers?.forEach((p, j) => providerNamed(index, 'metrics', p.name, { resource: level.source, field: `spec.metrics[${i}].providers[${j}].name` }, issues)));
  }
}

const METRIC_CLASSES = Object.keys(ISTIO_METRIC_CLASSES) as IstioMetricClass[];

/**
 * Metric overrides of one mode, as Istio applies them: every level's overrides in order, least
 * specific first, so a later `disabled` wins and removed tags add up. An entry that names only
 * providers other than prometheus ones does not touch the agent's metrics. `customMetric` and
 * tag UPSERTs are refused at apply; gRPC message classes have no series to change.
 */
function metricsFor(index: MeshIndex, levels: TelemetryEntry[], mode: TelemetryMode): MetricOverrides | undefined {
  const disabled = new Map<IstioMetricClass, boolean>();
  const removed = new Map<IstioMetricClass, Set<string>>();
  const isPrometheus = (name: string) => index.settings.extensionProviders?.some((p) => p.name === name && p.prometheus !== undefined) === true;
  for (const level of levels) {
    for (const entry of level.spec.metrics ?? []) {
      if (entry.providers && !entry.providers.some((p) => isPrometheus(p.name))) continue;
      for (const o of entry.overrides ?? []) {
        if (!appliesToMode(o.match?.mode, mode) || o.match?.customMetric !== undefined) continue;
        const metric = o.match?.metric ?? 'ALL_METRICS';
        const classes = metric === 'ALL_METRICS' ? METRIC_CLASSES : METRIC_CLASSES.filter((c) => c === metric);
        for (const c of classes) {
          if (o.disabled !== undefined) disabled.set(c, o.disabled);
          for (const [tag, change] of Object.entries(o.tagOverrides ?? {})) if (change.operation === 'REMOVE') removed.set(c, (removed.get(c) ?? new Set()).add(tag));
        }
      }
    }
  }
  const out: MetricOverrides = {};
  for (const c of METRIC_CLASSES) {
    const tags = [...(removed.get(c) ?? [])].sort();
    if (disabled.get(c)) out[ISTIO_METRIC_CLASSES[c]] = { disabled: true };
    else if (tags.length > 0) out[ISTIO_METRIC_CLASSES[c]] = { removeTags: tags };
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The access logs, tracing and metric overrides one side of `proxy` gets; issues name what could not be applied. */
export function effectiveTelemetry(index: MeshIndex, proxy: ProxyDescriptor, mode: TelemetryMode, issues: TranslationIssue[]): EffectiveTelemetry {
  // Levels and metrics are the same for both sides: reported with the outbound (shared) side only.
  const sideIssues = mode === 'CLIENT' ? issues : [];
  const levels = telemetryLevels(index, proxy, sideIssues);
  checkMetrics(index, levels, sideIssues);
  return { accessLogs: accessLogsFor(index, levels, mode, issues), tracing: tracingFor(index, levels, mode, issues), metrics: metricsFor(index, levels, mode) };
}
