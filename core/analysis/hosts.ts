const CLUSTER_SUFFIX = '.svc.cluster.local';

/**
 * The names a host written in `namespace` may stand for, most specific last: `reviews` →
 * `reviews.<ns>.svc.cluster.local`, `reviews.shop` → `reviews.shop.svc.cluster.local` (Kubernetes short names).
 */
export function hostCandidates(host: string, namespace: string): string[] {
  const lower = host.toLowerCase();
  if (lower.includes('*')) return [lower];
  const dots = lower.split('.').length - 1;
  if (dots === 0) return [lower, `${lower}.${namespace}${CLUSTER_SUFFIX}`];
  if (dots === 1) return [lower, `${lower}${CLUSTER_SUFFIX}`];
  return [lower];
}

/** Whether two hosts can name the same thing; `*.example.com` covers `a.example.com`, `*` covers all. */
export function hostsOverlap(a: string, b: string): boolean {
  if (a === b || a === '*' || b === '*') return true;
  const wild = (h: string) => h.startsWith('*.');
  if (wild(a) && b.endsWith(a.slice(1))) return true;
  if (wild(b) && a.endsWith(b.slice(1))) return true;
  return false;
}
