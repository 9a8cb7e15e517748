import { hostAccessCheck } from '../../../core/envoy/patch-guard.ts';
import { PATCHED_TYPES, patchType, type PatchTarget } from '../../../core/envoy/patch-root.ts';
import { readProtoJson } from '../../../core/envoy/proto-json.ts';
import type { EnvoyConfigObjectPatch, IstioResource, SpecOf } from '../../../core/resources/index.ts';
import type { TranslationIssue } from '../translation-result.ts';
import type { Obj } from './proto-merge.ts';

/** One configPatch ready to apply: its value already in object form. */
export interface ReadyPatch {
  applyTo: PatchTarget;
  operation: NonNullable<NonNullable<EnvoyConfigObjectPatch['patch']>['operation']>;
  match: NonNullable<EnvoyConfigObjectPatch['match']>;
  value: Obj | undefined;
  /** `EnvoyFilter/ns/name`, and the patch's index, for issues. */
  source: string;
  index: number;
}

/** An EnvoyFilter of the mesh, in the order its patches apply. */
export interface EnvoyFilterEntry {
  source: string;
  namespace: string;
  priority: number;
  selector: Readonly<Record<string, string>> | undefined;
  patches: readonly ReadyPatch[];
}

const isTarget = (v: string | undefined): v is PatchTarget => v !== undefined && Object.hasOwn(PATCHED_TYPES, v);

/** Reads every EnvoyFilter of a revision once; a patch that no longer reads (stored under older rules) becomes an issue. */
export function envoyFilterEntries(resources: readonly IstioResource[], issues: TranslationIssue[]): EnvoyFilterEntry[] {
  const entries: EnvoyFilterEntry[] = [];
  for (const r of resources) {
    if (r.kind !== 'EnvoyFilter') continue;
    const spec = r.spec as SpecOf['EnvoyFilter'];
    const source = `EnvoyFilter/${r.metadata.namespace}/${r.metadata.name}`;
    const patches: ReadyPatch[] = [];
    (spec.configPatches ?? []).forEach((p, index) => {
      const operation = p.patch?.operation;
      if (!isTarget(p.applyTo) || operation === undefined || operation === 'INVALID') return;
      let value: Obj | undefined;
      if (p.patch?.value !== undefined && operation !== 'REMOVE') {
        const read = readProtoJson(patchType(PATCHED_TYPES[p.applyTo]), p.patch.value, `spec.configPatches[${index}].patch.value`, hostAccessCheck);
        if (read.errors.length > 0) {
          issues.push({ resource: source, field: read.errors[0]!.path, message: `patch skipped: ${read.errors[0]!.message}` });
          return;
        }
        value = read.value;
      }
      patches.push({ applyTo: p.applyTo, operation, match: p.match ?? {}, value, source, index });
    });
    entries.push({ source, namespace: r.metadata.namespace, priority: spec.priority ?? 0, selector: spec.workloadSelector?.labels, patches });
  }
  return entries;
}
