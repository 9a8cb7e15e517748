import type { Analyzer } from '../analyzer.ts';
import type { Finding } from '../finding.ts';
import { keyOf, type ResourceKey } from '../../resources/resource.ts';
import { selects } from '../labels.ts';
import type { MeshView, Typed, Workload } from '../mesh-view.ts';
import { isRootNamespace } from '../root-namespaces.ts';
import { routeDestinations } from '../virtual-service-routes.ts';

interface CallEvidence {
  host: string;
  via: ResourceKey;
}

/** The service hosts a STRICT policy protects: services of its namespace whose endpoints it selects (all services mesh-wide). */
function protectedHosts(view: MeshView, pa: Typed<'PeerAuthentication'>): Set<string> {
  const selector = pa.spec.selector?.matchLabels;
  const meshWide = isRootNamespace(pa.metadata.namespace) && !selector;
  const hosts = new Set<string>();
  for (const s of view.services) {
    if (meshWide) hosts.add(s.host);
    else if (s.namespace === pa.metadata.namespace && (!selector || view.endpointsOf(s).some((w) => selects(selector, w.labels)))) hosts.add(s.host);
  }
  return hosts;
}

/**
 * Config that says `caller` talks to a protected host: a VirtualService or ServiceEntry in the
 * caller's namespace that names it, or a route whose `sourceLabels` pick the caller.
 */
function callEvidence(view: MeshView, caller: Workload, hosts: Set<string>): CallEvidence | undefined {
  for (const vs of view.of('VirtualService')) {
    const ns = vs.metadata.namespace;
    const own = ns === caller.namespace;
    for (const d of routeDestinations(vs)) {
      const host = view.qualify(d.host, ns);
      if (hosts.has(host) && (own || sourcePicks(vs, d.entryPath, caller))) return { host, via: keyOf(vs) };
    }
  }
  for (const se of view.of('ServiceEntry')) {
    if (se.metadata.namespace !== caller.namespace) continue;
    const host = se.spec.hosts.map((h) => h.toLowerCase()).find((h) => hosts.has(h));
    if (host && keyOf(se).name !== caller.key.name) return { host, via: keyOf(se) };
  }
  return undefined;
}

function sourcePicks(vs: Typed<'VirtualService'>, entryPath: string, caller: Workload): boolean {
  const section = /^spec\.(http|tls|tcp)\[(\d+)\]/.exec(entryPath);
  if (!section) return false;
  const route = vs.spec[section[1] as 'http' | 'tls' | 'tcp']?.[Number(section[2])];
  return (route?.match ?? []).some((m) => m.sourceLabels !== undefined && selects(m.sourceLabels, caller.labels) && (m.sourceNamespace === undefined || m.sourceNamespace === caller.namespace));
}

/**
 * STRICT refuses plaintext. A WorkloadEntry that was not auto-registered by a connected
 * trellis-agent has no Trellis sidecar, so its calls are plaintext; config naming a protected
 * host from its namespace suggests it calls in. A heuristic: Trellis does not observe traffic.
 */
export const strictMtlsPlaintextCallers: Analyzer = {
  code: 'TRL0109',
  title: 'STRICT mTLS with plaintext callers',
  run(view) {
    const findings: Finding[] = [];
    const callers = view.workloads.filter((w) => !w.sidecar && w.key.kind === 'WorkloadEntry');
    if (callers.length === 0) return findings;
    for (const pa of view.of('PeerAuthentication')) {
      if (pa.spec.mtls?.mode !== 'STRICT') continue;
      const hosts = protectedHosts(view, pa);
      if (hosts.size === 0) continue;
      for (const caller of callers) {
        const evidence = callEvidence(view, caller, hosts);
        if (!evidence) continue;
        findings.push({
          code: this.code,
          message:
            `STRICT mTLS refuses plaintext, but WorkloadEntry ${caller.namespace}/${caller.key.name} has no Trellis sidecar (not auto-registered) and ` +
            `${evidence.via.kind} ${evidence.via.namespace}/${evidence.via.name} suggests it calls ${evidence.host}; if it does, its requests will be refused. ` +
            'Inferred from config, not observed traffic: use PERMISSIVE until every caller has a sidecar',
          resource: keyOf(pa),
          path: 'spec.mtls.mode',
          related: [caller.key, evidence.via],
        });
      }
    }
    return findings;
  },
};
