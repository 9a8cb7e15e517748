import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

/**
 * The Envoy API and its dependencies as shipped by @grpc/grpc-js-xds (pinned with grpc-js).
 * Here in core so the xDS server and the sidecar agent (which may not import each other) load the same files.
 */
export function protoIncludeDirs(): string[] {
  const root = path.dirname(require.resolve('@grpc/grpc-js-xds/package.json'));
  return ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((dir) => path.join(root, 'deps', dir));
}
