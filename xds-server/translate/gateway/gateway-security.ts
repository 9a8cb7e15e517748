import type { MeshIndex } from '../mesh/mesh-model.ts';
import type { ProxyDescriptor } from '../proxy-descriptor.ts';
import { extAuthz } from '../security/ext-authz.ts';
import { jwtAuthn } from '../security/jwt-authn.ts';
import { appliesToWorkload } from '../security/policy-scope.ts';
import { rbacFilters } from '../security/rbac-filters.ts';
import type { Named, TranslationIssue } from '../translation-result.ts';

type Obj = Record<string, unknown>;

export interface GatewaySecurity {
  /** The HTTP filters before the router of a server port's connection managers. */
  httpFilters(port: number): Obj[];
  /** Clusters the filters need (remote JWKS hosts, an authorizer outside the registry). */
  clusters: Named[];
}

/**
 * RequestAuthentications and AuthorizationPolicies selecting a gateway proxy, as on a sidecar's
 * inbound side: jwt_authn (routing again once a token verified, for claim routes), CUSTOM, AUDIT,
 * DENY, ALLOW. Port conditions are decided against the server port.
 */
export function gatewaySecurity(index: MeshIndex, proxy: ProxyDescriptor, trustDomain: string, issues: TranslationIssue[]): GatewaySecurity {
  const workload = { namespace: proxy.namespace, labels: proxy.labels };
  const jwt = jwtAuthn(index.security.requestAuthentications.filter((e) => appliesToWorkload(e, workload)), issues, { clearRouteCache: true });
  const policies = index.security.authorizationPolicies.filter((e) => appliesToWorkload(e, workload));
  const clusters = new Map(jwt.clusters.map((c) => [c.name, c]));
  const byPort = new Map<number, Obj[]>();
  return {
    httpFilters(port) {
      const known = byPort.get(port);
      if (known) return known;
      // Each port translates the same policies: their issues are reported once.
      const sink = byPort.size === 0 ? issues : [];
      const ctx = { trustDomain, appPort: port };
      const custom = extAuthz(index, proxy, policies, ctx, sink);
      for (const c of custom.clusters) clusters.set(c.name, c);
      const filters = [...(jwt.filter ? [jwt.filter] : []), ...custom.filters, ...rbacFilters(policies, ctx, sink)];
      byPort.set(port, filters);
      return filters;
    },
    get clusters() {
      return [...clusters.values()];
    },
  };
}
