import { isRootNamespace } from '../analysis/root-namespaces.ts';
import type { ProxyConfigSpec } from './schemas/proxy-config.ts';

/** A stored ProxyConfig, as the effective settings are computed from it. */
export interface ProxyConfigSource {
  namespace: string;
  name: string;
  spec: ProxyConfigSpec;
}

/** What the agent applies when it starts Envoy, and which ProxyConfigs (`namespace/name`) it came from, most specific first. */
export interface ProxySettings {
  concurrency?: number;
  environmentVariables?: Record<string, string>;
  sources: string[];
}

const selectorOf = (s: ProxyConfigSource) => s.spec.selector?.matchLabels ?? {};
const selects = (s: ProxyConfigSource, labels: Readonly<Record<string, string>>) => Object.entries(selectorOf(s)).every(([k, v]) => labels[k] === v);
const byName = (a: ProxyConfigSource, b: ProxyConfigSource) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * Istio's precedence: a ProxyConfig selecting the workload in its namespace, then the namespace's
 * one without selector, then the root namespace's (mesh-wide) one without selector. Each field
 * comes from the most specific config that sets it; environment variables merge by name, the
 * more specific winning. Several configs at one level are taken in name order.
 */
export function effectiveProxySettings(configs: readonly ProxyConfigSource[], workload: { namespace: string; labels: Readonly<Record<string, string>> }): ProxySettings {
  const hasSelector = (s: ProxyConfigSource) => Object.keys(selectorOf(s)).length > 0;
  const own = configs.filter((s) => s.namespace === workload.namespace);
  const levels = [
    own.filter((s) => hasSelector(s) && selects(s, workload.labels)).sort(byName),
    own.filter((s) => !hasSelector(s)).sort(byName),
    isRootNamespace(workload.namespace) ? [] : configs.filter((s) => isRootNamespace(s.namespace) && !hasSelector(s)).sort(byName),
  ].flat();
  const settings: ProxySettings = { sources: [] };
  const environment: Record<string, string> = {};
  for (const s of [...levels].reverse()) Object.assign(environment, s.spec.environmentVariables ?? {});
  for (const s of levels) {
    let used = false;
    if (settings.concurrency === undefined && s.spec.concurrency !== undefined) {
      settings.concurrency = s.spec.concurrency;
      used = true;
    }
    if (s.spec.environmentVariables && Object.keys(s.spec.environmentVariables).length > 0) used = true;
    if (used) settings.sources.push(`${s.namespace}/${s.name}`);
  }
  if (Object.keys(environment).length > 0) settings.environmentVariables = environment;
  return settings;
}
