// What sidecar/Dockerfile puts in /app, copied from this checkout: no engine builds images here.
import { cpSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { argsOf, readDockerfile, stages } from './dockerfile.ts';
import { ROOT } from './tools.ts';

/** The bins the image's runtime stage copies into /app/bin (its `COPY ... ./bin/` line). */
export function proxyImageBins(): string[] {
  const runtime = stages(readDockerfile('sidecar/Dockerfile')).at(-1) ?? [];
  return argsOf(runtime, 'COPY')
    .filter((c) => !c.startsWith('--from') && c.endsWith(' ./bin/'))
    .flatMap((c) => c.split(/\s+/).slice(0, -1));
}

/** Copies the image's /app layout to `to`: those bins and the built dist/ (bundles and .proto files), no sources or node_modules. */
export function copyProxyImageLayout(to: string): void {
  mkdirSync(path.join(to, 'bin'), { recursive: true });
  for (const bin of proxyImageBins()) cpSync(path.join(ROOT, bin), path.join(to, bin));
  const dist = path.join(ROOT, 'dist');
  for (const file of readdirSync(dist).filter((f) => f.endsWith('.mjs'))) cpSync(path.join(dist, file), path.join(to, 'dist', file));
  cpSync(path.join(dist, 'envoy-protos'), path.join(to, 'dist', 'envoy-protos'), { recursive: true });
}
