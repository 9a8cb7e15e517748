import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { LambdaName } from '../../infra/lambda-bundling.ts';
import { REPO_ROOT } from '../../infra/paths.ts';
import { buildLambda, DIST, lambdaStampFile } from '../build.ts';

/** Why a Lambda bundle must be (re)built, or undefined when it is current with its sources. */
function staleReason(name: LambdaName): string | undefined {
  const bundle = path.join(DIST, 'lambda', name, 'index.mjs');
  if (!existsSync(bundle)) return `dist/lambda/${name}/index.mjs has not been built`;
  let stamp: { startedAt: number; inputs: string[] };
  try {
    stamp = JSON.parse(readFileSync(lambdaStampFile(name), 'utf8')) as typeof stamp;
  } catch {
    return `dist/lambda/${name} has no build stamp`;
  }
  for (const input of stamp.inputs) {
    const mtime = statSync(path.join(REPO_ROOT, input), { throwIfNoEntry: false })?.mtimeMs;
    if (mtime === undefined) return `${input} is gone`;
    if (mtime > stamp.startedAt) return `${input} changed`;
  }
  return undefined;
}

/** A Lambda's bundle as `npm run build` and the CDK app make it, rebuilt when missing or older than its sources. */
export async function ensureLambdaBundle(name: LambdaName = 'api'): Promise<string> {
  const reason = staleReason(name);
  if (!reason) return path.join(DIST, 'lambda', name, 'index.mjs');
  process.stderr.write(`trellis: bundling the ${name} Lambda (${reason})\n`);
  return buildLambda(name);
}
