import type { Named } from './translation-result.ts';

/** Resources in name order, so output does not depend on input order. */
export function byName(resources: Named[]): Named[] {
  return resources.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
