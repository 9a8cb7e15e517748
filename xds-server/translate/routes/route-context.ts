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
}
