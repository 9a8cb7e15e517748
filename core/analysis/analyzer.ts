import type { Finding } from './finding.ts';
import type { MeshView } from './mesh-view.ts';

/** A pure check over a whole mesh's config; one per file under `analyzers/`. */
export interface Analyzer {
  code: string;
  /** What it looks for, in a few words (docs and `trellis analyze --list`). */
  title: string;
  run(view: MeshView): Finding[];
}
