/*
 * How every Lambda entry is bundled, shared by the CDK app (NodejsFunction) and
 * scripts/bundle-lambdas.ts, so the bundle measured locally is the bundle deployed.
 */

/** Lambda entry points by bundle name; infra reaches runtime code only through these paths. */
export const LAMBDA_ENTRIES = {
  api: 'functions/handlers/api-handler.ts',
} as const;

export type LambdaName = keyof typeof LAMBDA_ENTRIES;

/** Node 20 syntax, so the same bundle runs on the Node 20 machines and the Node 22 Lambda runtime. */
export const NODE_TARGET = 'node20';

/** ESM output has no `require`; CommonJS dependencies bundled into it still call it. */
export const ESM_REQUIRE_BANNER = "import { createRequire as __trellisCreateRequire } from 'node:module'; const require = __trellisCreateRequire(import.meta.url);";
