import { readFileSync } from 'node:fs';
import type { Metafile } from 'esbuild';

/** A package (`node_modules/<name>`) or a top folder of ours, and the bytes its modules take in a bundle. */
export interface BundleInput {
  name: string;
  bytes: number;
}

/** The largest contributors to a bundle, from the metafile buildLambda writes beside it (`<bundle>.meta.json`). */
export function largestInputs(bundle: string, count: number): BundleInput[] {
  const meta = JSON.parse(readFileSync(`${bundle}.meta.json`, 'utf8')) as Metafile;
  const output = Object.values(meta.outputs).find((o) => o.entryPoint !== undefined);
  if (!output) throw new Error(`${bundle}.meta.json names no entry output`);
  const sizes = new Map<string, number>();
  for (const [file, { bytesInOutput }] of Object.entries(output.inputs)) {
    const name = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1] ?? file.split('/').slice(0, 2).join('/');
    sizes.set(name, (sizes.get(name) ?? 0) + bytesInOutput);
  }
  return [...sizes].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes).slice(0, count);
}
