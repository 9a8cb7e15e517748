import type { FieldError } from '../../result.ts';
import type { AppMeshInventory } from '../inventory.ts';
import type { AppMeshKind, DataOf } from '../kinds.ts';
import type { ImportLimits } from './limits.ts';

/** Where readers put what they found: resources into the inventory, problems into errors. */
export interface ReadSink {
  inventory: AppMeshInventory;
  errors: FieldError[];
  limits: ImportLimits;
  count: number;
  add<K extends AppMeshKind>(kind: K, data: DataOf[K], source: string): void;
}

export function createSink(inventory: AppMeshInventory, limits: ImportLimits): ReadSink {
  return {
    inventory,
    errors: [],
    limits,
    count: 0,
    add(kind, data, source) {
      this.count++;
      if (this.count === limits.maxResources + 1) this.errors.push({ path: source, message: `more than ${limits.maxResources} App Mesh resources; split the input` });
      if (this.count > limits.maxResources) return;
      (inventory[kind] as { data: unknown; source: string }[]).push({ data, source });
    },
  };
}
