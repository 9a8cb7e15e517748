import { createHash } from 'node:crypto';
import { labelsMatch } from './labels-match.ts';
import type { MeshIndex, MeshService, SidecarEntry } from './mesh-model.ts';

/** Where a Sidecar without workloadSelector applies to every namespace that has none of its own (Istio's root namespace). */
export const ROOT_NAMESPACE = 'istio-system';

type OutboundMode = 'ALLOW_ANY' | 'REGISTRY_ONLY';

/** What a Sidecar resource lets one proxy reach. */
export interface SidecarScope {
  source: string;
  /** Changes whenever the Sidecar's content does: part of memo keys. */
  key: string;
  allows(service: MeshService, port: number): boolean;
  outboundMode: OutboundMode | undefined;
}

/** Istio egress host `namespace/host`: `*`, `.` (the proxy's), `~` (none) or a name; host `*`, `*.suffix` or exact. */
function hostMatches(pattern: string, service: MeshService, proxyNamespace: string): boolean {
  const slash = pattern.indexOf('/');
  const ns = slash < 0 ? '*' : pattern.slice(0, slash);
  const host = slash < 0 ? pattern : pattern.slice(slash + 1);
  if (ns === '~') return false;
  if (ns !== '*' && (ns === '.' ? proxyNamespace : ns) !== service.namespace) return false;
  if (host === '*') return true;
  if (host.startsWith('*.')) return service.host.endsWith(host.slice(1));
  return host === service.host;
}

/** The Sidecar that applies to a proxy: its namespace's selecting one, else its namespace's default, else the root namespace's default. */
export function selectSidecar(sidecars: readonly SidecarEntry[], namespace: string, labels: Readonly<Record<string, string>>): SidecarEntry | undefined {
  const own = sidecars.filter((s) => s.namespace === namespace);
  return (
    own.find((s) => s.spec.workloadSelector?.labels && labelsMatch(s.spec.workloadSelector.labels, labels)) ??
    own.find((s) => !s.spec.workloadSelector) ??
    sidecars.find((s) => s.namespace === ROOT_NAMESPACE && !s.spec.workloadSelector)
  );
}

/** The scope of a proxy, or undefined when no Sidecar applies (the proxy sees every visible service). */
export function sidecarScopeFor(index: MeshIndex, proxy: { namespace: string; labels: Readonly<Record<string, string>> }): SidecarScope | undefined {
  const sidecar = selectSidecar(index.sidecars, proxy.namespace, proxy.labels);
  if (!sidecar) return undefined;
  const egress = sidecar.spec.egress ?? [];
  const catchAll = egress.filter((l) => l.port?.number === undefined);
  const allows = (service: MeshService, port: number) => {
    if (egress.length === 0) return true;
    const forPort = egress.filter((l) => l.port?.number === port);
    const listeners = forPort.length > 0 ? forPort : catchAll;
    return listeners.some((l) => l.hosts.some((h) => hostMatches(h, service, proxy.namespace)));
  };
  const digest = createHash('sha256').update(JSON.stringify(sidecar.spec)).digest('base64url').slice(0, 16);
  return { source: sidecar.source, key: `${sidecar.source}@${digest}`, allows, outboundMode: sidecar.spec.outboundTrafficPolicy?.mode };
}

/** RouteContext fields for a proxy's scope and outbound traffic policy. */
export function scopeContext(index: MeshIndex, scope: SidecarScope | undefined): { inScope?: (host: string, port: number) => boolean; scopeKey?: string; outboundMode: OutboundMode } {
  const outboundMode = scope?.outboundMode ?? index.settings.outboundTrafficPolicy?.mode ?? 'ALLOW_ANY';
  if (!scope) return { outboundMode };
  const inScope = (host: string, port: number) => {
    const service = index.services.get(host);
    return service !== undefined && scope.allows(service, port);
  };
  return { inScope, scopeKey: scope.key, outboundMode };
}

/** Resources named `outbound|<port>|...` of a service, kept when that port is in scope. */
export function inScopeByPort<T extends { name: string }>(scope: SidecarScope | undefined, service: MeshService, named: readonly T[]): T[] {
  if (!scope) return [...named];
  return named.filter((n) => scope.allows(service, Number(n.name.split('|')[1])));
}
