export { analyze, ANALYZERS, type AnalyzeOptions } from './analyze.ts';
export type { Analyzer } from './analyzer.ts';
export type { Finding } from './finding.ts';
export { MeshView } from './mesh-view.ts';
