/**
 * Istio `exportTo`, minimally: `*` (or nothing) is everywhere, `.` the owner's namespace,
 * `~` nowhere, any other entry names a namespace.
 */
export function visibleTo(exportTo: readonly string[] | undefined, ownerNamespace: string, proxyNamespace: string): boolean {
  if (!exportTo || exportTo.length === 0) return true;
  return exportTo.some((e) => e === '*' || (e === '.' && ownerNamespace === proxyNamespace) || e === proxyNamespace);
}
