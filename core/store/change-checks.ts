import { ValidationError } from '../errors.ts';
import type { FieldError } from '../result.ts';
import { isKindName } from '../resources/kinds.ts';
import { keyString, type IstioResource, type ResourceKey } from '../resources/resource.ts';
import type { Change } from './config-store.ts';

/**
 * Checks the shape every store relies on (a known kind, a namespace and a name, each key at
 * most once) and returns the key of each change, in order. Schema validation is the API's job.
 */
export function changeKeys(changes: Change[]): ResourceKey[] {
  const errors: FieldError[] = [];
  const seen = new Map<string, number>();
  const keys = changes.map((change, i): ResourceKey => {
    const path = change.op === 'put' ? `changes[${i}].resource` : `changes[${i}].key`;
    const raw = change.op === 'put' ? rawKeyOfResource(change.resource) : change.key;
    const key = { kind: raw?.kind, namespace: raw?.namespace, name: raw?.name } as ResourceKey;
    if (change.op !== 'put' && change.op !== 'delete') errors.push({ path: `changes[${i}].op`, message: 'must be put or delete' });
    if (typeof key.kind !== 'string' || !isKindName(key.kind)) errors.push({ path: `${path}.kind`, message: 'unknown kind' });
    for (const field of ['namespace', 'name'] as const) {
      if (typeof key[field] !== 'string' || key[field] === '') errors.push({ path: `${path}.${field}`, message: 'must be a non-empty string' });
    }
    if (change.op === 'put' && (typeof change.resource?.spec !== 'object' || change.resource.spec === null)) {
      errors.push({ path: `${path}.spec`, message: 'must be an object' });
    }
    const ks = keyString(key);
    const first = seen.get(ks);
    if (first !== undefined) errors.push({ path, message: `duplicate of changes[${first}] (${ks})` });
    else seen.set(ks, i);
    return key;
  });
  if (errors.length > 0) throw new ValidationError('invalid change set', errors);
  return keys;
}

// Inputs come from callers that may bypass types (JSON bodies), hence the optional chaining.
function rawKeyOfResource(resource: IstioResource | undefined) {
  const meta = resource?.metadata;
  return { kind: resource?.kind, namespace: meta?.namespace, name: meta?.name };
}
