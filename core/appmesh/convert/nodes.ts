import { isDeepStrictEqual } from 'node:util';
import { labelValueProblem, qualifiedNameProblem, toDnsLabelIfNeeded } from './label-values.ts';
import type { ClientPolicy } from '../schemas/common.ts';
import { emit, where } from './context.ts';
import { VIRTUAL_NODE_LABEL } from './labels.ts';
import { sourceOf, type MeshScope, type NodeInfo } from './mesh-model.ts';
import { listenerInboundPool, type InboundPool } from './node-policy.ts';

const MTLS_MODE = { STRICT: 'STRICT', PERMISSIVE: 'PERMISSIVE', DISABLED: 'DISABLE' } as const;
const CLOUD_MAP_PREFIX = 'cloudmap.appmesh.trellis.dev/';

/** Labels and report entries for every virtual node, before services add router membership. */
export function indexNodes(scope: MeshScope): void {
  const { ctx, namespace, index } = scope;
  for (const node of index.nodes.values()) {
    const name = node.data.virtualNodeName;
    const label = ctx.names.name(`${namespace}/node`, name);
    const source = sourceOf('VirtualNode', index.name, name);
    const labels: Record<string, string> = { [VIRTUAL_NODE_LABEL]: label };
    const cloudMap = node.data.spec.serviceDiscovery?.awsCloudMap;
    for (const attr of cloudMap?.attributes ?? []) {
      const key = `${CLOUD_MAP_PREFIX}${toDnsLabelIfNeeded(attr.key)}`;
      const value = labelValueProblem(attr.value) ? toDnsLabelIfNeeded(attr.value) : attr.value;
      if (qualifiedNameProblem(key)) continue;
      labels[key] = value;
    }
    scope.nodes.set(name, { name, label, source, node, labels, ports: {} });
  }
}

/** WorkloadEntries, PeerAuthentications and Sidecars for the virtual nodes, with their report entries. */
export function convertNodes(scope: MeshScope): void {
  for (const info of scope.nodes.values()) {
    discovery(scope, info);
    listenerTls(scope, info);
    sidecar(scope, info, backends(scope, info), inboundPool(scope, info));
    const logging = info.node.data.spec.logging;
    if (logging?.accessLog) scope.ctx.report.none(info.source, 'spec.logging.accessLog', "Trellis does not configure access logs per workload yet; Envoy's admin and stats endpoints stay available");
  }
}

function discovery(scope: MeshScope, info: NodeInfo): void {
  const { ctx, namespace } = scope;
  const sd = info.node.data.spec.serviceDiscovery;
  const labelText = Object.entries(info.labels).map(([k, v]) => `${k}=${v}`).join(',');
  if (!sd) {
    ctx.report.none(info.source, 'spec.serviceDiscovery', `no service discovery: App Mesh sent it no traffic. Its workloads join with labels ${labelText}`);
    return;
  }
  if (sd.dns) {
    if (Object.keys(info.ports).length === 0) {
      ctx.report.mapped(info.source, 'spec.serviceDiscovery.dns', '(workload labels)', `no virtual service routes to this node; its workloads join with labels ${labelText}`);
      return;
    }
    const we = emit(ctx, info.source, 'WorkloadEntry', namespace, info.label, { address: sd.dns.hostname.toLowerCase(), labels: { ...info.labels }, ports: { ...info.ports } });
    ctx.report.mapped(info.source, 'spec.serviceDiscovery.dns.hostname', where(we, 'spec.address'), `resolved by DNS as App Mesh did; once the node's workloads run trellis-agent with labels ${labelText}, delete this WorkloadEntry`);
    if (sd.dns.responseType === 'LOADBALANCER' || sd.dns.responseType === undefined) {
      ctx.report.approximated(info.source, 'spec.serviceDiscovery.dns.responseType', 'ServiceEntry spec.resolution DNS', 'every address the name resolves to is an endpoint (App Mesh LOADBALANCER used one at a time)');
    } else ctx.report.mapped(info.source, 'spec.serviceDiscovery.dns.responseType', 'ServiceEntry spec.resolution DNS');
  } else if (sd.awsCloudMap) {
    ctx.report.approximated(
      info.source,
      'spec.serviceDiscovery.awsCloudMap',
      `ServiceEntry workloadSelector (${labelText})`,
      `a Cloud Map source (CloudMapPoller) registers the service's instances with labels ${labelText}, attributes as cloudmap.appmesh.trellis.dev/ labels; or the node's workloads register themselves with trellis-agent --label for each`,
    );
  }
  const ip = sd.dns?.ipPreference ?? sd.awsCloudMap?.ipPreference;
  if (ip) ctx.report.none(info.source, 'spec.serviceDiscovery.*.ipPreference', 'Trellis uses the addresses workloads register with; choose IPv4 or IPv6 there');
}

function listenerTls(scope: MeshScope, info: NodeInfo): void {
  const { ctx, namespace } = scope;
  const listeners = info.node.data.spec.listeners ?? [];
  const withTls = listeners.map((l, i) => ({ l, i })).filter(({ l }) => l.tls);
  if (withTls.length === 0) return;
  const modes = new Set(withTls.map(({ l }) => l.tls!.mode));
  const spec: Record<string, unknown> = { selector: { matchLabels: { [VIRTUAL_NODE_LABEL]: info.label } } };
  if (modes.size === 1 && withTls.length === listeners.length) spec.mtls = { mode: MTLS_MODE[withTls[0]!.l.tls!.mode] };
  else spec.portLevelMtls = Object.fromEntries(withTls.map(({ l }) => [String(l.portMapping.port), { mode: MTLS_MODE[l.tls!.mode] }]));
  const pa = emit(ctx, info.source, 'PeerAuthentication', namespace, info.label, spec);
  for (const { l, i } of withTls) {
    const field = `spec.listeners[${i}].tls`;
    const tls = l.tls!;
    ctx.report.mapped(info.source, `${field}.mode`, where(pa, spec.mtls ? 'spec.mtls.mode' : `spec.portLevelMtls["${l.portMapping.port}"]`), tls.mode === 'STRICT' && !tls.validation ? 'Trellis STRICT is mutual TLS: callers present mesh certificates (App Mesh STRICT without validation did not ask them)' : '');
    const from = tls.certificate.acm ? 'ACM' : tls.certificate.file ? 'a file' : 'SDS';
    ctx.report.approximated(info.source, `${field}.certificate`, 'Trellis mesh CA (SDS from trellis-agent)', `the certificate came from ${from}; Trellis issues each workload a SPIFFE certificate from the mesh CA and rotates it`);
    if (tls.validation) ctx.report.approximated(info.source, `${field}.validation`, 'Trellis mesh CA trust bundle', 'callers are verified against the mesh trust bundle');
    if (tls.validation?.subjectAlternativeNames) ctx.report.none(info.source, `${field}.validation.subjectAlternativeNames`, 'to admit only some callers, write an AuthorizationPolicy with their principals (cluster.local/ns/<ns>/sa/<service account>)');
  }
}

/** The client policy that applies to one backend: its own, else the node's backend defaults. */
function clientPolicyFor(info: NodeInfo, own: ClientPolicy | undefined): { policy: ClientPolicy; field: string } | undefined {
  if (own?.tls) return { policy: own, field: 'clientPolicy' };
  const defaults = info.node.data.spec.backendDefaults?.clientPolicy;
  return defaults?.tls ? { policy: defaults, field: 'spec.backendDefaults.clientPolicy' } : undefined;
}

/** The hosts of the node's backends (its Sidecar's egress), with their client policies applied to the DestinationRules. */
function backends(scope: MeshScope, info: NodeInfo): string[] {
  const { ctx } = scope;
  const list = info.node.data.spec.backends ?? [];
  if (list.length === 0) {
    if (info.node.data.spec.backendDefaults?.clientPolicy) ctx.report.none(info.source, 'spec.backendDefaults', 'the node has no backends, so its backend defaults apply to nothing');
    return [];
  }
  const hosts: string[] = [];
  list.forEach((b, i) => {
    const field = `spec.backends[${i}].virtualService`;
    const target = scope.hosts.get(b.virtualService.virtualServiceName);
    if (!target) {
      ctx.report.none(info.source, field, `virtual service "${b.virtualService.virtualServiceName}" was not converted; it is left out of the egress scope`);
      return;
    }
    hosts.push(`./${target.host}`);
    const cp = clientPolicyFor(info, b.virtualService.clientPolicy);
    if (!cp || cp.policy.tls?.enforce === false) return;
    const dr = scope.destinationRules.get(target.host);
    if (!dr) return;
    const spec = dr.spec as { trafficPolicy?: Record<string, unknown> };
    spec.trafficPolicy = { ...spec.trafficPolicy, tls: { mode: 'ISTIO_MUTUAL' } };
    ctx.report.approximated(
      info.source,
      cp.field === 'clientPolicy' ? `${field}.clientPolicy.tls` : `${cp.field}.tls`,
      where(dr, 'spec.trafficPolicy.tls.mode ISTIO_MUTUAL'),
      'client certificates and trust (ACM PCA, file or SDS) are replaced by the mesh CA; the policy applies to every caller of the service, not this node alone',
    );
    if (cp.policy.tls?.ports?.length) ctx.report.approximated(info.source, `${cp.field}.tls.ports`, undefined, 'TLS is used on every port of the service');
  });
  return [...new Set(hosts)].sort();
}

/**
 * The node's listener connection pool as one Sidecar `inboundConnectionPool`, which sets the hop from
 * each workload's proxy to its app, where App Mesh applied it. A workload has one app port, so
 * listeners with different pools cannot all be kept: the first listener's applies, and the others are reported.
 */
function inboundPool(scope: MeshScope, info: NodeInfo): { pool: InboundPool; fields: string[] } | undefined {
  const { ctx } = scope;
  const pools = (info.node.data.spec.listeners ?? []).map((l, i) => ({ i, pool: listenerInboundPool(l) })).filter((p): p is { i: number; pool: InboundPool } => p.pool !== undefined);
  const first = pools[0];
  if (!first) return undefined;
  const same = pools.filter((p) => isDeepStrictEqual(p.pool, first.pool));
  for (const p of pools) {
    if (same.includes(p)) continue;
    ctx.report.approximated(info.source, `spec.listeners[${p.i}].connectionPool`, undefined, `a workload has one inbound connection pool in Trellis; the pool of spec.listeners[${first.i}] applies to this listener's port too`);
  }
  return { pool: first.pool, fields: same.map((p) => `spec.listeners[${p.i}].connectionPool`) };
}

/** The node's Sidecar: its backends as the egress scope, its listener connection pool as the inbound one. */
function sidecar(scope: MeshScope, info: NodeInfo, hosts: string[], inbound: { pool: InboundPool; fields: string[] } | undefined): void {
  const { ctx, namespace } = scope;
  if (hosts.length === 0 && !inbound) return;
  const spec: Record<string, unknown> = { workloadSelector: { labels: { [VIRTUAL_NODE_LABEL]: info.label } } };
  if (hosts.length) spec.egress = [{ hosts }];
  if (inbound) spec.inboundConnectionPool = inbound.pool;
  const resource = emit(ctx, info.source, 'Sidecar', namespace, info.label, spec);
  if (hosts.length) ctx.report.mapped(info.source, 'spec.backends', where(resource, 'spec.egress[0].hosts'), 'the node reaches only its backends, as in App Mesh');
  else if (inbound) ctx.report.approximated(info.source, 'spec.backends', where(resource, 'spec.egress'), 'the node has no backends; this Sidecar, written for its connection pool, sets no egress hosts, so the node reaches what a proxy without a Sidecar reaches (list hosts in spec.egress to narrow it)');
  for (const field of inbound?.fields ?? []) {
    ctx.report.mapped(info.source, field, where(resource, 'spec.inboundConnectionPool'), "limits the connections and requests from each of the node's workload proxies to its app, as App Mesh did: http.maxConnections and tcp.maxConnections → tcp.maxConnections, maxPendingRequests → http1MaxPendingRequests, http2/grpc maxRequests → http2MaxRequests");
  }
}
