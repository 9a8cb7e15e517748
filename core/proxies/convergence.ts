/** How far one mesh revision has reached the proxies that were connected when it was pushed. */
export interface RevisionConvergence {
  /** Proxies connected (to the replicas that report) when the revision was pushed, minus those that left. */
  proxies: number;
  /** Of those, how many hold the revision's config (every xDS type acknowledged). */
  acked: number;
  /** Commit (`createdAt`) to the last acknowledgement; present once every proxy acked. */
  seconds?: number;
}

/** Where the API reads convergence from: the in-process xDS server locally. */
export interface ConvergenceSource {
  /** Known convergence of the given revisions; revisions with no record are left out. */
  convergence(tenantId: string, mesh: string, revisions: readonly number[]): Promise<Map<number, RevisionConvergence>>;
}
