import { GATEWAY_ONLY_CREDENTIAL_NAME, NEEDS_ORIGINAL_DESTINATION } from '../../../core/resources/index.ts';
import { adsConfigSource } from '../envoy/ads-config-source.ts';
import { outboundClusterName } from '../envoy/resource-names.ts';
import { loadAssignment } from '../endpoints/load-assignment.ts';
import { localityPlan } from '../endpoints/locality-lb.ts';
import { labelsMatch } from '../mesh/labels-match.ts';
import type { DestinationRuleEntry, MeshService, ServiceEndpoint, ServicePort } from '../mesh/mesh-model.ts';
import { effectivePolicy } from '../mesh/effective-policy.ts';
import { isHttp2Port, isHttpPort } from '../mesh/port-protocol.ts';
import { meshTlsClusterFields, type OutboundMtls } from '../security/outbound-tls.ts';
import type { Named, TranslationIssue } from '../translation-result.ts';
import { httpProtocolOptions } from './http-protocol-options.ts';
import { clusterPolicyFields, policyForPort } from './traffic-policy.ts';

/** Which Envoy consumer the clusters are for: proxyless gRPC knows fewer cluster types. */
export type ClusterFlavour = 'sidecar' | 'grpc';

export interface ServiceClusters {
  clusters: Named[];
  endpoints: Named[];
  issues: TranslationIssue[];
}

// Istio's default connect timeout.
const CONNECT_TIMEOUT = { seconds: 10, nanos: 0 };

interface Subset {
  name: string;
  labels: Readonly<Record<string, string>> | undefined;
  index: number | undefined;
}

type Discovery = 'EDS' | 'STRICT_DNS' | 'LOGICAL_DNS' | 'ORIGINAL_DST';

/**
 * How the service's endpoints reach Envoy, or why the service gets no cluster. `originalDst`:
 * the proxy intercepts by REDIRECT, so a connection's original destination can be the endpoint.
 */
function discoveryOf(service: MeshService, flavour: ClusterFlavour, originalDst: boolean): Discovery | string {
  const passthrough = originalDst ? 'ORIGINAL_DST' : `resolution ${service.resolution} without endpoints ${NEEDS_ORIGINAL_DESTINATION}; no cluster`;
  switch (service.resolution) {
    case 'STATIC':
      return 'EDS';
    case 'NONE':
      // Known endpoints are the best meaning; without them, the caller's own destination.
      return service.selectsWorkloads || service.endpoints.length > 0 ? 'EDS' : passthrough;
    case 'DYNAMIC_DNS':
      // The app resolved the name itself; the connection's original destination is that answer.
      return passthrough;
    case 'DNS':
      // Proxyless gRPC resolves only LOGICAL_DNS clusters.
      return flavour === 'grpc' ? 'LOGICAL_DNS' : 'STRICT_DNS';
    case 'DNS_ROUND_ROBIN':
      return 'LOGICAL_DNS';
    default:
      return `resolution ${service.resolution} is not translated yet; no cluster`;
  }
}

/** A service only the original destination can serve: passthrough without endpoints, DYNAMIC_DNS, or a wildcard host. */
export function needsOriginalDestination(service: MeshService): boolean {
  if (service.host.includes('*') || service.resolution === 'DYNAMIC_DNS') return true;
  return service.resolution === 'NONE' && !service.selectsWorkloads && service.endpoints.length === 0;
}

const DISCOVERIES = new Set<string>(['EDS', 'STRICT_DNS', 'LOGICAL_DNS', 'ORIGINAL_DST']);
const isDiscovery = (d: string): d is Discovery => DISCOVERIES.has(d);

// An ORIGINAL_DST cluster picks its one host itself: balancing fields would be refused or meaningless.
const BALANCING_FIELDS = ['lb_policy', 'ring_hash_lb_config', 'maglev_lb_config', 'common_lb_config'];
function originalDstFields(policyFields: Record<string, unknown>): Record<string, unknown> {
  const fields = Object.fromEntries(Object.entries(policyFields).filter(([k]) => !BALANCING_FIELDS.includes(k)));
  return { ...fields, lb_policy: 'CLUSTER_PROVIDED' };
}

/** The port an endpoint serves a service port on: its own mapping, else the target port, else the same number. */
export const endpointPort = (port: ServicePort) => (e: ServiceEndpoint) => e.ports[port.name] ?? port.targetPort ?? port.number;

/**
 * Clusters (plain and per subset) and, for EDS, their load assignments, for every port of one
 * service. `proxyLocality` (`region/zone/subzone`) turns on locality load balancing.
 * `originalDst` (REDIRECT interception): passthrough services and wildcard hosts get ORIGINAL_DST
 * clusters, with the DestinationRule's connection policies.
 */
export function serviceClusters(service: MeshService, rule: DestinationRuleEntry | undefined, flavour: ClusterFlavour, mtls?: OutboundMtls, proxyLocality?: string, originalDst = false, credentialNamespace?: string): ServiceClusters {
  const issues: TranslationIssue[] = [];
  const discovery = discoveryOf(service, flavour, originalDst);
  if (!isDiscovery(discovery)) {
    issues.push({ resource: service.source, field: 'spec.resolution', message: `${service.host}: ${discovery}` });
    return { clusters: [], endpoints: [], issues };
  }
  if (service.host.includes('*') && !originalDst) {
    issues.push({ resource: service.source, field: 'spec.hosts', message: `${service.host}: a wildcard host ${NEEDS_ORIGINAL_DESTINATION}; no cluster` });
    return { clusters: [], endpoints: [], issues };
  }
  const subsets: Subset[] = [{ name: '', labels: undefined, index: undefined }];
  rule?.spec.subsets?.forEach((s, index) => subsets.push({ name: s.name, labels: s.labels, index }));
  const clusters: Named[] = [];
  const endpoints: Named[] = [];
  for (const port of service.ports) {
    const topPolicy = policyForPort(rule?.spec.trafficPolicy, port.number);
    for (const subset of subsets) {
      const name = outboundClusterName(port.number, subset.name, service.host);
      const members = service.endpoints.filter((e) => labelsMatch(subset.labels, e.labels));
      const subsetPolicy = subset.index === undefined ? undefined : rule?.spec.subsets?.[subset.index]?.trafficPolicy;
      const policy = effectivePolicy(rule, subset.name, port.number);
      if (policy?.tls?.credentialName !== undefined && credentialNamespace === undefined) {
        // Uploaded credentials reach gateways only (over ADS); a sidecar's cluster without its client certificate would fail every handshake.
        issues.push({ resource: rule?.source ?? service.host, field: 'tls.credentialName', message: `${name}: ${GATEWAY_ONLY_CREDENTIAL_NAME}` });
        continue;
      }
      const policyFields = clusterPolicyFields(policy, service.host, credentialNamespace);
      const cluster: Record<string, unknown> = { name, type: discovery, connect_timeout: CONNECT_TIMEOUT, ...(discovery === 'ORIGINAL_DST' ? originalDstFields(policyFields) : policyFields) };
      if (discovery !== 'ORIGINAL_DST') {
        const targets = discovery === 'EDS' ? members : dnsTargets(service, members, discovery);
        if (discovery === 'LOGICAL_DNS' && targets.length === 0) {
          issues.push({ resource: rule?.source ?? service.source, field: `spec.subsets[${subset.index}]`, message: `${name}: no endpoint to resolve; no cluster` });
          continue;
        }
        const locality = localityPlan(policy, proxyLocality);
        if (locality.problem) issues.push({ resource: rule?.source ?? service.source, field: 'spec.trafficPolicy.loadBalancer.localityLbSetting', message: `${service.host}: ${locality.problem}` });
        const assignment = loadAssignment(name, targets, endpointPort(port), locality.plan);
        // Envoy ignores locality weights unless the cluster asks for locality-weighted balancing.
        if (locality.plan.kind === 'distribute') cluster['common_lb_config'] = { ...(cluster['common_lb_config'] as Record<string, unknown> | undefined), locality_weighted_lb_config: {} };
        if (discovery === 'EDS') {
          cluster['eds_cluster_config'] = { eds_config: adsConfigSource(), service_name: name };
          endpoints.push({ name, resource: assignment });
        } else {
          // AUTO would prefer IPv6, which many hosts lack.
          cluster['dns_lookup_family'] = 'V4_PREFERRED';
          cluster['load_assignment'] = assignment;
        }
      }
      const http = flavour === 'sidecar' && isHttpPort(port);
      // TLS origination to a wildcard: the server is named by each request's Host.
      const autoSni = http && service.host.includes('*') && cluster['transport_socket'] !== undefined;
      const protocolOptions = http ? httpProtocolOptions(isHttp2Port(port), policy, autoSni) : undefined;
      if (protocolOptions) cluster['typed_extension_protocol_options'] = protocolOptions;
      const tlsInput = { service, port: port.number, subset: subset.name, policies: [policyForPort(subsetPolicy, port.number), topPolicy], ruleSource: rule?.source };
      Object.assign(cluster, meshTlsClusterFields(tlsInput, mtls, issues));
      clusters.push({ name, resource: cluster });
    }
  }
  return { clusters, endpoints, issues: uniqueIssues(issues) };
}

// The same policy applies to every port and subset; report each problem once.
function uniqueIssues(issues: TranslationIssue[]): TranslationIssue[] {
  const seen = new Map(issues.map((i) => [`${i.resource}\u0000${i.field}\u0000${i.message}`, i]));
  return [...seen.values()];
}

/** DNS clusters resolve the listed endpoint names, or the service host itself when none are listed. */
function dnsTargets(service: MeshService, members: readonly ServiceEndpoint[], discovery: string): ServiceEndpoint[] {
  const targets = service.endpoints.length > 0 ? [...members] : [{ address: service.host, ports: {}, labels: {}, locality: '', weight: 1 }];
  // A LOGICAL_DNS cluster takes exactly one name.
  return discovery === 'LOGICAL_DNS' ? targets.slice(0, 1) : targets;
}
