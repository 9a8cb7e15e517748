import type { ConversionResult } from '../../core/appmesh/index.ts';
import { ApiError, meshPath, type ApiClient } from '../api-client.ts';
import type { ApplyResult, MeshView } from '../api-types.ts';
import { CliError } from '../cli-error.ts';
import type { CommandContext } from '../command-context.ts';
import { ExitCode } from '../exit-codes.ts';
import { postApply } from '../manifests/apply-request.ts';
import type { Manifest } from '../manifests/read-manifests.ts';
import { formatApplyResults } from '../output/apply-results.ts';
import { formatProxyDiff } from '../output/proxy-diff.ts';
import { formatWarnings } from '../output/warnings.ts';

type MeshSettings = ConversionResult['meshSettings'][string]['settings'];

export interface ImportApplyOptions {
  /** Recorded with the revision (`trellis history`). */
  message: string;
}

/** What `import appmesh --apply` did, as `-o json` prints it. */
export interface ImportApplyOutcome {
  mesh: string;
  meshCreated: boolean;
  settings: MeshSettings;
  dryRun: ApplyResult;
  applied: ApplyResult;
}

/** One Trellis mesh has one egress policy: every App Mesh mesh in the input must derive the same one; their Cloud Map sources are joined. */
export function settingsForOneMesh(result: ConversionResult, mesh: string): MeshSettings {
  const entries = Object.entries(result.meshSettings);
  const modes = new Set(entries.map(([, m]) => m.settings.outboundTrafficPolicy.mode));
  if (entries.length === 0 || modes.size > 1) {
    const each = entries.map(([name, m]) => `${name}: outboundTrafficPolicy.mode ${m.settings.outboundTrafficPolicy.mode}`).join(', ');
    throw new CliError(`the input's App Mesh meshes need different Trellis mesh settings (${each}); mesh ${mesh} can hold only one`, ExitCode.Usage, { hint: 'import and --apply each App Mesh mesh into its own Trellis mesh (-f its templates, -m its name)' });
  }
  const first = entries[0]![1].settings;
  const sources = entries.flatMap(([, m]) => m.settings.registrySources?.cloudMap.sources ?? []);
  const access = first.registrySources?.cloudMap;
  return {
    outboundTrafficPolicy: first.outboundTrafficPolicy,
    ...(sources.length > 0 ? { registrySources: { cloudMap: { ...(access?.roleArn ? { roleArn: access.roleArn } : {}), ...(access?.region ? { region: access.region } : {}), sources } } } : {}),
  };
}

type CloudMapSettings = NonNullable<MeshSettings['registrySources']>['cloudMap'] & { periodSeconds?: number };

/** A stored mesh's settings with the import's Cloud Map sources in (replacing sources of the same service); undefined when nothing changes. */
function withImportedSources(stored: Record<string, unknown>, imported: MeshSettings): Record<string, unknown> | undefined {
  const ours = imported.registrySources?.cloudMap;
  if (!ours) return undefined;
  const registrySources = (stored.registrySources ?? {}) as { cloudMap?: CloudMapSettings };
  const theirs = registrySources.cloudMap;
  const key = (s: { cloudMapNamespace: string; service: string }) => `${s.cloudMapNamespace}/${s.service}`;
  const replaced = new Set(ours.sources.map(key));
  const cloudMap: CloudMapSettings = { ...theirs, ...ours, sources: [...(theirs?.sources ?? []).filter((s) => !replaced.has(key(s))), ...ours.sources] };
  if (JSON.stringify(cloudMap) === JSON.stringify(theirs)) return undefined;
  return { ...stored, registrySources: { ...registrySources, cloudMap } };
}

/** The mesh as stored, or undefined when it does not exist yet. */
async function existingMesh(client: ApiClient, mesh: string): Promise<MeshView | undefined> {
  try {
    return await client.get<MeshView>(meshPath(mesh));
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return undefined;
    throw err;
  }
}

function manifestsOf(result: ConversionResult): Manifest[] {
  return result.resources.map((doc) => ({ doc, source: 'import appmesh' }));
}

/** Writes the settings only if the mesh is still the version read (If-Match). */
async function updateSettings(client: ApiClient, mesh: string, stored: MeshView, settings: Record<string, unknown>): Promise<void> {
  try {
    await client.request<MeshView>('PUT', meshPath(mesh), { body: settings, headers: { 'if-match': `"${stored.version}"` } });
  } catch (err) {
    if (err instanceof ApiError && err.status === 412) throw new CliError(`mesh ${mesh}'s settings changed during the import; nothing was applied`, ExitCode.Conflict, { hint: 'run the import again' });
    throw err;
  }
}

async function createMesh(client: ApiClient, mesh: string, settings: MeshSettings): Promise<void> {
  try {
    await client.request<MeshView>('PUT', meshPath(mesh), { body: settings, headers: { 'if-none-match': '*' } });
  } catch (err) {
    if (err instanceof ApiError && err.status === 412) throw new CliError(`mesh ${mesh} was created by someone else during the import; nothing was applied`, ExitCode.Conflict, { hint: 'run the import again to see its diff against that mesh' });
    throw err;
  }
}

/**
 * The control-plane step of a cut-over: the mesh (created with the derived settings if missing),
 * a dry run that validates everything and whose per-proxy-group diff shows what connected proxies
 * will receive, then every converted resource in one revision.
 */
export async function applyImport(ctx: CommandContext, result: ConversionResult, options: ImportApplyOptions): Promise<ImportApplyOutcome> {
  const client = ctx.client();
  const mesh = ctx.mesh();
  const settings = settingsForOneMesh(result, mesh);
  const stored = await existingMesh(client, mesh);
  if (stored) {
    const storedMode = (stored.settings.outboundTrafficPolicy as { mode?: string } | undefined)?.mode ?? 'ALLOW_ANY';
    if (storedMode !== settings.outboundTrafficPolicy.mode) ctx.err(`mesh ${mesh} exists with outboundTrafficPolicy.mode ${storedMode}; the import derives ${settings.outboundTrafficPolicy.mode}: the mesh settings are left as they are`);
  } else {
    await createMesh(client, mesh, settings);
  }
  const manifests = manifestsOf(result);
  let dryRun: ApplyResult;
  try {
    dryRun = await postApply(client, mesh, manifests, { dryRun: true });
  } catch (err) {
    // A mesh this run created and nothing could go into is taken away again: a failed import leaves nothing behind.
    if (!stored) await client.request('DELETE', meshPath(mesh)).catch(() => undefined);
    throw err;
  }
  if (dryRun.warnings?.length) ctx.err(formatWarnings(dryRun.warnings, ctx.paint));
  // An existing mesh gets the Cloud Map sources the import found, once the dry run accepted the resources.
  const updated = stored ? withImportedSources(stored.settings, settings) : undefined;
  if (stored && updated) {
    await updateSettings(client, mesh, stored, updated);
    ctx.err(`mesh/${mesh} settings: registrySources.cloudMap now lists ${settings.registrySources!.cloudMap.sources.map((c) => `${c.cloudMapNamespace}/${c.service}`).join(', ')}`);
  }
  const preview = dryRun.proxies && dryRun.proxies.groups.length > 0 ? formatProxyDiff(dryRun.proxies, ctx.paint) : '';
  const applied = await postApply(client, mesh, manifests, { dryRun: false, message: options.message });
  const outcome: ImportApplyOutcome = { mesh, meshCreated: !stored, settings, dryRun, applied };
  ctx.emit(outcome, () => `${stored ? '' : `mesh/${mesh} created with ${JSON.stringify(settings)}\n`}${preview}${formatApplyResults(applied)}revision ${applied.revision}\n`);
  return outcome;
}
