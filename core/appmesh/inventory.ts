import type { AppMeshKind, DataOf } from './kinds.ts';

/** One App Mesh resource as read, with where it came from (`file:path`) for messages. */
export interface Located<T> {
  data: T;
  source: string;
}

/** A resource a `list-*` output named; if it was never described, the report says so. */
export interface ListedResource {
  kind: AppMeshKind;
  meshName: string;
  name: string;
  parent?: string;
  source: string;
}

/** A template resource CloudFormation would not create (its Condition is false): not converted, and reported. */
export interface SkippedResource {
  kind: AppMeshKind;
  source: string;
  reason: string;
}

/** Everything read from the input, before conversion; the same for describe output and templates. */
export type AppMeshInventory = { [K in AppMeshKind]: Located<DataOf[K]>[] } & {
  listed: ListedResource[];
  notes: { source: string; message: string }[];
  skipped: SkippedResource[];
  /** Values the reader chose because the input did not give them (a pseudo parameter's default). */
  assumptions: { source: string; message: string }[];
};

export function emptyInventory(): AppMeshInventory {
  return { Mesh: [], VirtualNode: [], VirtualService: [], VirtualRouter: [], Route: [], VirtualGateway: [], GatewayRoute: [], listed: [], notes: [], skipped: [], assumptions: [] };
}
