const CLUSTER_SUFFIX = '.svc.cluster.local';

/**
 * Resolves a host as written in a resource of `namespace`: `reviews` → `reviews.<ns>.svc.cluster.local`
 * and `reviews.shop` → `reviews.shop.svc.cluster.local` when such a service exists; otherwise as written.
 */
export function resolveHost(host: string, namespace: string, known: (host: string) => boolean): string {
  if (known(host) || host.includes('*')) return host;
  const dots = host.split('.').length - 1;
  const candidate = dots === 0 ? `${host}.${namespace}${CLUSTER_SUFFIX}` : dots === 1 ? `${host}${CLUSTER_SUFFIX}` : undefined;
  return candidate && known(candidate) ? candidate : host;
}

/** The names a local app may use for `host` from `proxyNamespace` (Kubernetes search-path forms). */
export function hostAliases(host: string, proxyNamespace: string): string[] {
  if (!host.endsWith(CLUSTER_SUFFIX)) return [host];
  const [name, namespace] = host.slice(0, -CLUSTER_SUFFIX.length).split('.');
  if (!name || !namespace) return [host];
  const aliases = [host, `${name}.${namespace}.svc`, `${name}.${namespace}`];
  if (namespace === proxyNamespace) aliases.push(name);
  return aliases;
}
