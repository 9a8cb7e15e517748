import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { createTrellisApp, type TrellisApp } from '../trellis-app.ts';

export interface SynthesizedTrellis extends TrellisApp {
  /** The cloud assembly directory (a fresh temporary cdk.out). */
  outdir: string;
  assembly: CloudAssembly;
  dataTemplate: Template;
  serviceTemplate: Template;
}

/** Synthesizes the whole app once (cdk-nag included, Lambda bundled with the local esbuild, no Docker). */
export function synthTrellis(context: Record<string, unknown> = {}): SynthesizedTrellis {
  const outdir = mkdtempSync(path.join(os.tmpdir(), 'trellis-cdk-out-'));
  const trellis = createTrellisApp({ outdir, context });
  const assembly = trellis.app.synth();
  // fromStack reuses the synthesis above: a stage synthesizes once.
  return { ...trellis, outdir, assembly, dataTemplate: Template.fromStack(trellis.data), serviceTemplate: Template.fromStack(trellis.service) };
}
