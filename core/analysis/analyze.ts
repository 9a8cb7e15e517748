import { keyString, type IstioResource, type ResourceKey } from '../resources/resource.ts';
import type { Analyzer } from './analyzer.ts';
import * as analyzers from './analyzers/index.ts';
import type { Finding } from './finding.ts';
import { MeshView } from './mesh-view.ts';

/** Every analyzer, in code order. */
export const ANALYZERS: readonly Analyzer[] = Object.values(analyzers).sort((a, b) => a.code.localeCompare(b.code));

export interface AnalyzeOptions {
  /**
   * Keys of the resources a change puts or deletes; only findings about them (or naming them
   * as related) are reported. Absent: every finding of the mesh.
   */
  changed?: Iterable<ResourceKey>;
}

/** Runs every analyzer over a mesh's resources (after the change); pure, never throws on valid resources. */
export function analyze(resources: readonly IstioResource[], options: AnalyzeOptions = {}): Finding[] {
  const view = new MeshView(resources);
  let findings = ANALYZERS.flatMap((a) => a.run(view));
  if (options.changed) {
    const changed = new Set([...options.changed].map(keyString));
    findings = findings.filter((f) => changed.has(keyString(f.resource)) || (f.related ?? []).some((k) => changed.has(keyString(k))));
  }
  return findings.sort((a, b) => keyString(a.resource).localeCompare(keyString(b.resource)) || a.code.localeCompare(b.code) || a.path.localeCompare(b.path));
}
