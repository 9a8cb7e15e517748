import { CliError, usageError } from '../cli-error.ts';
import { ExitCode } from '../exit-codes.ts';
import type { TrellisConfig } from './config-file.ts';

/** Where local mode listens (docs/architecture.md, local mode). */
export const DEFAULT_SERVER = 'http://127.0.0.1:8080';

/** The server, key and mesh one command talks to. */
export interface Target {
  server: string;
  apiKey?: string;
  mesh?: string;
  /** The saved context's default namespace, if it has one. */
  namespace?: string;
  /** The saved context used, if any. */
  context?: string;
}

export interface TargetFlags {
  context?: string;
  mesh?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Flags beat environment (`TRELLIS_URL`, `TRELLIS_API_KEY`, `TRELLIS_MESH`), which beats the saved context. */
export function resolveTarget(config: TrellisConfig, flags: TargetFlags, env: Env = process.env): Target {
  const name = flags.context ?? config.currentContext;
  const saved = name !== undefined ? config.contexts[name] : undefined;
  if (flags.context !== undefined && !saved) {
    throw new CliError(`context "${flags.context}" does not exist`, ExitCode.NotFound, { hint: '`trellis context list` shows the saved contexts' });
  }
  const server = env.TRELLIS_URL || saved?.server || DEFAULT_SERVER;
  const apiKey = env.TRELLIS_API_KEY || saved?.apiKey;
  const mesh = flags.mesh || env.TRELLIS_MESH || saved?.mesh;
  return { server, ...(apiKey ? { apiKey } : {}), ...(mesh ? { mesh } : {}), ...(saved?.namespace ? { namespace: saved.namespace } : {}), ...(saved && name ? { context: name } : {}) };
}

export function requireApiKey(target: Target): string {
  if (target.apiKey) return target.apiKey;
  throw usageError(
    `no API key for ${target.server}`,
    'set TRELLIS_API_KEY, or save one with `trellis context set NAME --server URL --api-key KEY` (local mode writes its admin key to .trellis/admin-key)',
  );
}

export function requireMesh(target: Target): string {
  if (target.mesh) return target.mesh;
  throw usageError('no mesh selected', 'pass --mesh/-m NAME, set TRELLIS_MESH, or save one with `trellis context set NAME --mesh MESH`');
}
