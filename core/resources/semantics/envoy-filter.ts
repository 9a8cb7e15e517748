import { hostAccessCheck } from '../../envoy/patch-guard.ts';
import { PATCHED_TYPES, patchType, type PatchTarget } from '../../envoy/patch-root.ts';
import { readProtoJson } from '../../envoy/proto-json.ts';
import type { EnvoyConfigObjectPatch, EnvoyFilterSpec } from '../schemas/envoy-filter.ts';
import { Findings } from './collector.ts';

type Operation = NonNullable<NonNullable<EnvoyConfigObjectPatch['patch']>['operation']>;

const INSERTS: readonly Operation[] = ['INSERT_BEFORE', 'INSERT_AFTER', 'INSERT_FIRST'];
/** The operations each applyTo takes, as Istio documents them. */
export const OPERATIONS_BY_TARGET: Readonly<Record<PatchTarget, readonly Operation[]>> = {
  LISTENER: ['MERGE', 'ADD', 'REMOVE'],
  FILTER_CHAIN: ['MERGE', 'ADD', 'REMOVE'],
  NETWORK_FILTER: ['MERGE', 'REMOVE', 'REPLACE', ...INSERTS],
  HTTP_FILTER: ['MERGE', 'REMOVE', 'REPLACE', ...INSERTS],
  ROUTE_CONFIGURATION: ['MERGE'],
  VIRTUAL_HOST: ['MERGE', 'ADD', 'REMOVE'],
  HTTP_ROUTE: ['MERGE', 'REMOVE', 'REPLACE', ...INSERTS],
  CLUSTER: ['MERGE', 'ADD', 'REMOVE'],
};

const isTarget = (applyTo: string): applyTo is PatchTarget => Object.hasOwn(PATCHED_TYPES, applyTo);

/**
 * Every patch names what it applies to and how, and its value decodes as that Envoy message
 * without reaching the proxy's host (core/envoy/patch-guard.ts); errors carry the value's path.
 */
export function validateEnvoyFilter(spec: EnvoyFilterSpec): Findings {
  const f = new Findings();
  (spec.configPatches ?? []).forEach((p, i) => {
    const at = ['configPatches', i] as const;
    const applyTo = p.applyTo ?? 'INVALID';
    const operation = p.patch?.operation ?? 'INVALID';
    if (applyTo === 'INVALID') f.add([...at, 'applyTo'], 'applyTo is required');
    if (operation === 'INVALID') f.add([...at, 'patch', 'operation'], 'patch.operation is required');
    if (!isTarget(applyTo) || operation === 'INVALID') return;
    if (!OPERATIONS_BY_TARGET[applyTo].includes(operation)) {
      f.add([...at, 'patch', 'operation'], `${operation} does not apply to ${applyTo}; use one of ${OPERATIONS_BY_TARGET[applyTo].join(', ')}`);
      return;
    }
    if (operation === 'REMOVE') return;
    const value = p.patch?.value;
    if (value === undefined) {
      f.add([...at, 'patch', 'value'], `${operation} needs a value (a ${PATCHED_TYPES[applyTo]})`);
      return;
    }
    if (operation === 'ADD' && applyTo !== 'FILTER_CHAIN' && typeof value['name'] !== 'string') f.add([...at, 'patch', 'value', 'name'], `an added ${applyTo.toLowerCase().replace('_', ' ')} needs a name`);
    // Trellis serves load assignments only for the clusters it makes: an added EDS cluster would never warm.
    if (operation === 'ADD' && applyTo === 'CLUSTER' && (value['type'] === 'EDS' || 'eds_cluster_config' in value || 'edsClusterConfig' in value)) f.add([...at, 'patch', 'value', 'type'], 'an added cluster must carry its endpoints (type STATIC, STRICT_DNS or LOGICAL_DNS with load_assignment): Trellis serves no EDS for it');
    let type;
    try {
      type = patchType(PATCHED_TYPES[applyTo]);
    } catch (err) {
      // Without Envoy's protos nothing can be checked: refuse rather than store an unchecked patch.
      f.add([...at, 'patch', 'value'], `patch values cannot be checked here (${err instanceof Error ? err.message : String(err)})`);
      return;
    }
    const base = `spec.configPatches[${i}].patch.value`;
    for (const e of readProtoJson(type, value, base, hostAccessCheck).errors) f.errors.push(e);
  });
  return f;
}
