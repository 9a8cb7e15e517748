import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../infra/paths.ts';
import { buildLambda, DIST, lambdaStampFile } from '../build.ts';

/** Why the API Lambda bundle must be (re)built, or undefined when it is current with its sources. */
function staleReason(): string | undefined {
  const bundle = path.join(DIST, 'lambda', 'api', 'index.mjs');
  if (!existsSync(bundle)) return 'dist/lambda/api/index.mjs has not been built';
  let stamp: { startedAt: number; inputs: string[] };
  try {
    stamp = JSON.parse(readFileSync(lambdaStampFile('api'), 'utf8')) as typeof stamp;
  } catch {
    return 'dist/lambda/api has no build stamp';
  }
  for (const input of stamp.inputs) {
    const mtime = statSync(path.join(REPO_ROOT, input), { throwIfNoEntry: false })?.mtimeMs;
    if (mtime === undefined) return `${input} is gone`;
    if (mtime > stamp.startedAt) return `${input} changed`;
  }
  return undefined;
}

/** The API Lambda's bundle as `npm run build` and the CDK app make it, rebuilt when missing or older than its sources. */
export async function ensureLambdaBundle(): Promise<string> {
  const reason = staleReason();
  if (!reason) return path.join(DIST, 'lambda', 'api', 'index.mjs');
  process.stderr.write(`trellis: bundling the API Lambda (${reason})\n`);
  return buildLambda('api');
}
