import type { HttpRoute, VirtualServiceEntry } from './mesh-model.ts';
import { visibleTo } from './visibility.ts';

/** Key of a delegate VirtualService: `namespace/name`. */
export const delegateKey = (namespace: string, name: string) => `${namespace}/${name}`;

/** The delegate a root rule names (namespace defaults to the root's), when it exists and is exported to the root's namespace. */
export function delegateFor(delegates: ReadonlyMap<string, VirtualServiceEntry>, root: VirtualServiceEntry, rule: HttpRoute): VirtualServiceEntry | undefined {
  if (!rule.delegate?.name) return undefined;
  const found = delegates.get(delegateKey(rule.delegate.namespace ?? root.namespace, rule.delegate.name));
  return found && visibleTo(found.spec.exportTo, found.namespace, root.namespace) ? found : undefined;
}

/** The delegates a set of root VirtualServices reaches (for fingerprints: a delegate edit changes its roots' hosts). */
export function delegatesOf(delegates: ReadonlyMap<string, VirtualServiceEntry>, roots: readonly VirtualServiceEntry[]): VirtualServiceEntry[] {
  return roots.flatMap((root) => (root.spec.http ?? []).flatMap((rule) => delegateFor(delegates, root, rule) ?? []));
}
