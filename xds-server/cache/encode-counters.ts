/** How much encoding the cache has done; lets tests and metrics prove bytes are shared, not rebuilt. */
export interface EncodeCounters {
  /** Resource objects encoded (one per resource per publish, to learn its content hash). */
  resources: number;
  /** Wire wrappers (Any, delta Resource) built: at most one each per distinct (type, name, version). */
  wrappers: number;
}
