import type { ResourceKey } from '../resources/resource.ts';

/** One analyzer result: a likely mistake in mesh config, never a reason to refuse it. */
export interface Finding {
  /** Stable code, `TRL01xx`; tools and docs key on it. */
  code: string;
  message: string;
  /** The resource the finding is about. */
  resource: ResourceKey;
  /** Field path inside that resource, e.g. `spec.http[0].route[1].destination.subset`. */
  path: string;
  /** Other resources involved (the finding also concerns changes to them). */
  related?: ResourceKey[];
}
