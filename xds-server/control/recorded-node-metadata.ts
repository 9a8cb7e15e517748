import type { NodeMetadata } from '../../core/proxies/node-metadata.ts';
import type { ProxyStatus } from '../../core/proxies/proxy-status.ts';
import type { ProxyIdentity, XdsNode } from '../server/index.ts';
import { proxyGroupKey } from '../translate/index.ts';
import { scopeKey } from './mesh-runtime.ts';
import { describeNode } from './node-identity.ts';

/** How long a node resolved but not yet seen streaming is kept (its stream may still be starting). */
const RESOLVING_GRACE_MS = 60_000;

/**
 * Keeps the node each connected proxy resolved with, so its fleet status record can carry the
 * metadata the API re-translates its group from. The identity fields are taken from the status
 * (from the certificate under mTLS, as the control plane resolved them), and the metadata is kept
 * only when it yields the very group the proxy's stream is served: never a guess.
 */
export class RecordedNodeMetadata {
  readonly #nodes = new Map<string, { node: XdsNode; scope: string; atMs: number }>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Wraps a resolveNode: remembers the node of every proxy it admits. */
  wrap<P>(resolve: (node: XdsNode, peer: P) => Promise<ProxyIdentity | Error>): (node: XdsNode, peer: P) => Promise<ProxyIdentity | Error> {
    return async (node, peer) => {
      const resolved = await resolve(node, peer);
      if (!(resolved instanceof Error)) this.#nodes.set(resolved.proxyId, { node, scope: resolved.scope, atMs: this.#now() });
      return resolved;
    };
  }

  /** The metadata translation read for this proxy, or undefined when it cannot be tied to `scope`. */
  metadataOf(status: ProxyStatus, scope: string): NodeMetadata | undefined {
    const held = this.#nodes.get(status.proxyId);
    if (!held || held.scope !== scope || !status.namespace || !status.serviceAccount) return undefined;
    const described = describeNode({
      ...held.node,
      metadata: { ...held.node.metadata, TRELLIS_TENANT: status.tenantId, TRELLIS_MESH: status.mesh, NAMESPACE: status.namespace, SERVICE_ACCOUNT: status.serviceAccount },
    });
    if (!described.ok) return undefined;
    const group = scopeKey(status.tenantId, status.mesh, proxyGroupKey(described.value.descriptor));
    return scope === group || scope.startsWith(`${group}|`) ? described.value.metadata : undefined;
  }

  /** Forgets proxies no longer streaming (beyond the grace of those still starting). */
  retain(streaming: ReadonlySet<string>): void {
    const cutoff = this.#now() - RESOLVING_GRACE_MS;
    for (const [proxyId, held] of this.#nodes) if (!streaming.has(proxyId) && held.atMs < cutoff) this.#nodes.delete(proxyId);
  }
}
