import type { ClusterFlavour } from '../clusters/outbound-clusters.ts';
import type { MeshIndex } from '../mesh/mesh-model.ts';
import type { TranslationIssue } from '../translation-result.ts';

/** What routes are built against: the mesh, the proxy's view of it, and where problems go. */
export interface RouteContext {
  index: MeshIndex;
  flavour: ClusterFlavour;
  namespace: string;
  labels: Readonly<Record<string, string>>;
  issues: TranslationIssue[];
  /** The proxy's Sidecar egress scope; absent means every visible service. */
  inScope?: (host: string, port: number) => boolean;
  /** Identifies the scope in memo keys (the Sidecar resource and its content). */
  scopeKey?: string;
  /** What an unknown Host gets: the Sidecar's outboundTrafficPolicy, else the mesh's (default ALLOW_ANY). */
  outboundMode?: 'ALLOW_ANY' | 'REGISTRY_ONLY';
  /** Set for gateway proxies: the `namespace/name` of the Gateways being translated; matches naming other gateways (or only `mesh`) do not apply. */
  gateways?: readonly string[];
}
