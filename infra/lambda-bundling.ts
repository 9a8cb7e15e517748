/*
 * How every Lambda entry is bundled, shared by the CDK app (NodejsFunction) and
 * scripts/bundle-lambdas.ts, so the bundle measured locally is the bundle deployed.
 */

export type LambdaName = 'api' | 'preview';

/** Lambda entry points by bundle name; infra reaches runtime code only through these paths. */
export const LAMBDA_ENTRIES: Record<LambdaName, string> = {
  api: 'functions/handlers/api-handler.ts',
  // The routes that need the xDS translation (proxy-config, apply with its dry-run preview); see docs/architecture.md.
  preview: 'preview/preview-handler.ts',
};

/** Routes API Gateway sends to the preview function instead of the API function (HTTP API route keys). */
export const PREVIEW_ROUTES = [
  { method: 'POST', path: '/v1/meshes/{mesh}/apply' },
  { method: 'GET', path: '/v1/meshes/{mesh}/proxies/{proxyId}/config' },
] as const;

/** Bundles that encode Envoy resources load the .proto files from `envoy-protos/` beside them (core/envoy/proto-include-dirs.ts). */
export const NEEDS_ENVOY_PROTOS: readonly LambdaName[] = ['preview'];
/** Where @grpc/grpc-js-xds keeps them, and the subfolders the bundle needs. */
export const ENVOY_PROTO_SOURCE = { package: '@grpc/grpc-js-xds', subdirs: ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'] } as const;

/** Node 20 syntax, so the same bundle runs on the Node 20 machines and the Node 22 Lambda runtime. */
export const NODE_TARGET = 'node20';

/** ESM output has no `require`; CommonJS dependencies bundled into it still call it. */
export const ESM_REQUIRE_BANNER = "import { createRequire as __trellisCreateRequire } from 'node:module'; const require = __trellisCreateRequire(import.meta.url);";
