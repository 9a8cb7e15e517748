import { createHash } from 'node:crypto';
import { buildMeshIndex as buildIndex, type MeshIndexInput } from '../mesh/build-mesh-index.ts';
import type { MeshIndex } from '../mesh/mesh-model.ts';
import type { ProxyDescriptor } from '../proxy-descriptor.ts';
import type { GatewayCredential } from '../gateway/index.ts';
// Patches apply to the config with the Telemetry's access logs and tracing in, as Istio applies them last.
import { translateGateway as gatewayOf, translateSidecar as sidecarOf, translateSidecarInbound as inboundOf, translateSidecarShared as sharedOf } from '../telemetry/index.ts';
import { inboundInputsKey as unpatchedInputsKey } from '../translate-sidecar.ts';
import { memoizedInIndex } from '../mesh/memo.ts';
import type { TranslationIssue, TranslationResult } from '../translation-result.ts';
import { applyEnvoyFilters, type PatchedPart } from './apply.ts';
import { envoyFilterEntries, type EnvoyFilterEntry } from './entries.ts';

export { applyEnvoyFilters, filtersFor, type PatchedPart } from './apply.ts';
export { envoyFilterEntries, type EnvoyFilterEntry } from './entries.ts';

interface IndexedFilters {
  entries: readonly EnvoyFilterEntry[];
  issues: readonly TranslationIssue[];
}

// The index's EnvoyFilters, kept beside it so the mesh model stays as it is; dropped with the index.
const FILTERS = new WeakMap<MeshIndex, IndexedFilters>();

/** buildMeshIndex, also reading the revision's EnvoyFilters once. */
export function buildMeshIndex(input: MeshIndexInput): MeshIndex {
  const index = buildIndex(input);
  const issues: TranslationIssue[] = [];
  const entries = envoyFilterEntries(input.resources, issues);
  if (entries.length > 0 || issues.length > 0) FILTERS.set(index, { entries, issues });
  return index;
}

/** The EnvoyFilters of an index built by this module's buildMeshIndex (none for another). */
export function envoyFiltersOf(index: MeshIndex): readonly EnvoyFilterEntry[] {
  return FILTERS.get(index)?.entries ?? [];
}

function patched(result: TranslationResult, index: MeshIndex, proxy: ProxyDescriptor, part: PatchedPart): TranslationResult {
  const found = FILTERS.get(index);
  if (!found) return result;
  const out = applyEnvoyFilters(result, found.entries, proxy, part);
  // Skipped patches are reported once per proxy group, with the shared part.
  return part === 'inbound' || found.issues.length === 0 ? out : { ...out, issues: [...out.issues, ...found.issues] };
}

export const translateSidecarShared = (index: MeshIndex, proxy: ProxyDescriptor): TranslationResult => patched(sharedOf(index, proxy), index, proxy, 'shared');
export const translateSidecarInbound = (index: MeshIndex, proxy: ProxyDescriptor): TranslationResult => patched(inboundOf(index, proxy), index, proxy, 'inbound');
export const translateSidecar = (index: MeshIndex, proxy: ProxyDescriptor): TranslationResult => patched(sidecarOf(index, proxy), index, proxy, 'whole');
export const translateGateway = (index: MeshIndex, proxy: ProxyDescriptor, credentials?: ReadonlyMap<string, GatewayCredential>): TranslationResult => patched(gatewayOf(index, proxy, credentials), index, proxy, 'shared');

/** What a proxy's inbound side is translated from (see translate-sidecar.ts), EnvoyFilters included. */
export function inboundInputsKey(index: MeshIndex): string {
  const found = FILTERS.get(index);
  if (!found) return unpatchedInputsKey(index);
  return memoizedInIndex(index, 'inbound-inputs+filters', () => createHash('sha256').update(unpatchedInputsKey(index)).update(JSON.stringify(found.entries)).digest('base64url'));
}
