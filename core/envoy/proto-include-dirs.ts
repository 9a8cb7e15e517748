import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const SUBDIRS = ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'];

/**
 * The Envoy API and its dependencies as shipped by @grpc/grpc-js-xds (pinned with grpc-js).
 * Here in core so the xDS server and the sidecar agent (which may not import each other) load the same files.
 * A bundle in dist/ finds the copies the build puts beside it (dist/envoy-protos), so it needs no node_modules.
 */
export function protoIncludeDirs(): string[] {
  const bundled = fileURLToPath(new URL('envoy-protos/', import.meta.url));
  const root = existsSync(bundled) ? bundled : path.join(path.dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');
  return SUBDIRS.map((dir) => path.join(root, dir));
}
