import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { CliError } from '../cli-error.ts';
import { ExitCode } from '../exit-codes.ts';

/** One saved server + credentials + default mesh and namespace (like a kubeconfig context). */
export interface TrellisContext {
  server: string;
  apiKey?: string;
  mesh?: string;
  /** Namespace of commands run without `-n` (objects that name none, `get`, `delete`…). */
  namespace?: string;
}

export interface TrellisConfig {
  currentContext?: string;
  contexts: Record<string, TrellisContext>;
}

type Env = Readonly<Record<string, string | undefined>>;

/** `TRELLIS_CONFIG`, else `$XDG_CONFIG_HOME/trellis/config.yaml`, else `~/.config/trellis/config.yaml`. */
export function configPath(env: Env = process.env, home = os.homedir()): string {
  if (env.TRELLIS_CONFIG) return path.resolve(env.TRELLIS_CONFIG);
  const base = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(home, '.config');
  return path.join(base, 'trellis', 'config.yaml');
}

// POSIX modes only mean something where the platform enforces them.
const checksModes = process.platform !== 'win32';

function isContext(value: unknown): value is TrellisContext {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Record<string, unknown>;
  const optionalString = (v: unknown) => v === undefined || typeof v === 'string';
  return typeof c.server === 'string' && optionalString(c.apiKey) && optionalString(c.mesh) && optionalString(c.namespace);
}

/** Reads the config; an absent file is an empty config. Refuses a file others can read (it holds API keys). */
export function readConfig(file: string): TrellisConfig {
  if (!existsSync(file)) return { contexts: {} };
  const mode = statSync(file).mode & 0o777;
  if (checksModes && (mode & 0o077) !== 0) {
    throw new CliError(`${file} is readable or writable by other users (mode ${mode.toString(8).padStart(4, '0')}); it holds API keys, so trellis will not use it`, ExitCode.Failure, {
      hint: `run \`chmod 600 ${file}\` (and consider rotating the keys in it)`,
    });
  }
  let raw: unknown;
  try {
    raw = parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CliError(`${file} is not valid YAML: ${(err as Error).message}`, ExitCode.Failure, { hint: 'fix or remove the file, then `trellis context set` again' });
  }
  if (raw === null || raw === undefined) return { contexts: {} };
  const doc = raw as { currentContext?: unknown; contexts?: unknown };
  const contexts: Record<string, TrellisContext> = {};
  if (typeof doc.contexts === 'object' && doc.contexts !== null) {
    for (const [name, value] of Object.entries(doc.contexts)) {
      if (!isContext(value)) throw new CliError(`${file}: context "${name}" needs a server URL (and apiKey, mesh and namespace, when set, must be strings)`, ExitCode.Failure, { hint: `\`trellis context set ${name} --server URL\`` });
      contexts[name] = value;
    }
  }
  return { ...(typeof doc.currentContext === 'string' ? { currentContext: doc.currentContext } : {}), contexts };
}

/** Writes the config owner-only (0600 file; 0700 directory when we create it), atomically. */
export function writeConfig(file: string, config: TrellisConfig): void {
  const dir = path.dirname(file);
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (checksModes) chmodSync(dir, 0o700);
  }
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, stringify(config), { mode: 0o600 });
  // The umask cannot widen 0600, but a pre-existing temp file would keep its mode.
  if (checksModes) chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}
