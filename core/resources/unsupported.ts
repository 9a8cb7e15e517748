import type { FieldError } from '../result.ts';
import { formatPath, type PathSegment } from './field-path.ts';
import type { KindName } from './kinds.ts';
import { TELEMETRY_UNSUPPORTED_FIELDS } from './telemetry-unsupported.ts';

/**
 * A field Trellis accepts in the schema (Istio has it) but does not translate into Envoy
 * config. Applying a resource that sets it fails with the path and "unsupported", so no
 * manifest is stored that silently does less than it says.
 */
export interface UnsupportedField {
  kind: KindName;
  /** `spec.http[*].fault.abort.http2Error`: `[*]` is every list item, `*` every map key. */
  path: string;
  /** Only some values are unsupported; absent means any value. */
  when?: { text: string; test: (value: unknown, spec: Readonly<Record<string, unknown>>) => boolean };
  reason: string;
}

const equals =
  (...values: string[]) =>
  (value: unknown) =>
    typeof value === 'string' && values.includes(value);

/** Where a DestinationRule carries a TrafficPolicy (top level, per subset, and per port in each). */
const POLICY_PATHS = ['spec.trafficPolicy', 'spec.trafficPolicy.portLevelSettings[*]', 'spec.subsets[*].trafficPolicy', 'spec.subsets[*].trafficPolicy.portLevelSettings[*]'];

const NO_REDIRECTION = 'local mode has no traffic redirection';
const BY_SELECTOR = 'security policies attach to sidecars by selector; targetRef (gateways, services) is not translated';

/** A request principal is matched as issuer and subject split at the last `/`: a wildcard must be a whole side. */
const partialPrincipalWildcard = (value: unknown) => {
  if (typeof value !== 'string' || value === '*') return false;
  const slash = value.lastIndexOf('/');
  const sides = slash < 0 ? [value] : [value.slice(0, slash), value.slice(slash + 1)];
  return sides.some((side) => side.includes('*') && side !== '*');
};
const isExperimentalKey = (value: unknown) => typeof value === 'string' && value.startsWith('experimental.');
const isInlineHeaderKey = (value: unknown) => typeof value === 'string' && value.startsWith('request.experimental.inline.headers[');
const hasClaimHeader = (value: unknown) => typeof value === 'object' && value !== null && Object.keys(value).some((k) => k.startsWith('@request.auth.claims.'));
/** Sidecars verify tokens on their inbound side only, so a route's claim match can be honoured on gateways alone (as in Istio). */
const boundToMesh = (spec: Readonly<Record<string, unknown>>) => {
  const gateways = spec['gateways'];
  return !Array.isArray(gateways) || gateways.length === 0 || gateways.includes('mesh');
};
const claimOnSidecars = (value: unknown, spec: Readonly<Record<string, unknown>>) => hasClaimHeader(value) && boundToMesh(spec);
const CLAIM_ROUTING = 'JWT claims are matched on gateways only, once a RequestAuthentication selecting the gateway has verified the token (as in Istio); bind the VirtualService to gateways, not mesh, or admit and refuse requests by claim with an AuthorizationPolicy condition request.auth.claims[NAME]';
const CLAIM_WHEN = { text: 'an `@request.auth.claims.*` (JWT claim) match in a VirtualService bound to mesh (no gateways, or mesh among them)', test: claimOnSidecars };
const withoutKeys = (rule: unknown) => typeof rule === 'object' && rule !== null && !['jwks', 'jwksUri', 'jwks_uri'].some((k) => k in rule);

function securityFields(): UnsupportedField[] {
  const principals = (field: string): UnsupportedField => ({
    kind: 'AuthorizationPolicy',
    path: `spec.rules[*].from[*].source.${field}[*]`,
    when: { text: 'a wildcard inside the issuer or the subject', test: partialPrincipalWildcard },
    reason: 'request principals are matched as issuer and subject; use `*`, `<issuer>/*`, `*/<subject>` or an exact `<issuer>/<subject>`',
  });
  return [
    { kind: 'AuthorizationPolicy', path: 'spec.targetRef', reason: BY_SELECTOR },
    { kind: 'AuthorizationPolicy', path: 'spec.targetRefs', reason: BY_SELECTOR },
    principals('requestPrincipals'),
    principals('notRequestPrincipals'),
    { kind: 'AuthorizationPolicy', path: 'spec.rules[*].when[*].key', when: { text: 'an experimental.* key', test: isExperimentalKey }, reason: 'Envoy filter metadata conditions are not translated' },
    { kind: 'AuthorizationPolicy', path: 'spec.rules[*].when[*].key', when: { text: 'a request.experimental.inline.headers[...] key', test: isInlineHeaderKey }, reason: 'inline header conditions are not translated; use request.headers[NAME]' },
    { kind: 'RequestAuthentication', path: 'spec.targetRef', reason: BY_SELECTOR },
    { kind: 'RequestAuthentication', path: 'spec.targetRefs', reason: BY_SELECTOR },
    { kind: 'RequestAuthentication', path: 'spec.jwtRules[*]', when: { text: 'a rule without jwks or jwksUri', test: withoutKeys }, reason: 'the JWKS is not discovered through OpenID; set jwks or jwksUri' },
  ];
}

function trafficPolicyFields(): UnsupportedField[] {
  const perPolicy: Omit<UnsupportedField, 'kind'>[] = [
    { path: 'loadBalancer.simple', when: { text: 'PASSTHROUGH', test: equals('PASSTHROUGH') }, reason: `passthrough load balancing needs the original destination address, which ${NO_REDIRECTION} to provide` },
    { path: 'loadBalancer.zoneAwareLbSetting', reason: 'zone-aware load balancing is not translated' },
    { path: 'loadBalancer.localityLbSetting.failoverPriority', reason: 'label-based failover priority is not translated; use failover or distribute' },
    { path: 'loadBalancer.consistentHash.httpCookie.attributes', reason: 'cookie attributes are not translated' },
    { path: 'outlierDetection.outlierDetectionHttpErrorCodes', reason: 'custom error codes for outlier detection are not translated' },
  ];
  const fields: UnsupportedField[] = [];
  for (const prefix of POLICY_PATHS) for (const f of perPolicy) fields.push({ kind: 'DestinationRule', ...f, path: `${prefix}.${f.path}` });
  for (const prefix of ['spec.trafficPolicy', 'spec.subsets[*].trafficPolicy']) {
    fields.push(
      { kind: 'DestinationRule', path: `${prefix}.tunnel`, reason: 'HTTP CONNECT tunnelling is not translated' },
      { kind: 'DestinationRule', path: `${prefix}.proxyProtocol`, reason: 'the PROXY protocol upstream is not translated' },
      { kind: 'DestinationRule', path: `${prefix}.retryBudget.budgetInterval`, reason: 'Envoy retry budgets have no interval' },
    );
  }
  return fields;
}

/** What a Sidecar's inbound connection pool (or an ingress listener's) sets that the inbound hop does not take. */
function inboundPoolFields(prefix: string): UnsupportedField[] {
  const sameProtocol = "the hop from the proxy to its app speaks the caller's HTTP version";
  return [
    { kind: 'Sidecar', path: `${prefix}.tcp.idleTimeout`, reason: 'an idle timeout for inbound TCP proxying is not translated; HTTP ports take http.idleTimeout' },
    { kind: 'Sidecar', path: `${prefix}.http.h2UpgradePolicy`, reason: sameProtocol },
    { kind: 'Sidecar', path: `${prefix}.http.useClientProtocol`, reason: sameProtocol },
  ];
}

function envoyFilterFields(): UnsupportedField[] {
  const patches = 'spec.configPatches[*]';
  return [
    { kind: 'EnvoyFilter', path: 'spec.targetRefs', reason: 'EnvoyFilters attach to proxies by workloadSelector (or to every proxy of their namespace); Gateway API targets are not served' },
    { kind: 'EnvoyFilter', path: `${patches}.applyTo`, when: { text: 'EXTENSION_CONFIG, BOOTSTRAP or LISTENER_FILTER', test: equals('EXTENSION_CONFIG', 'BOOTSTRAP', 'LISTENER_FILTER') }, reason: 'Trellis serves no extension configs over ECDS, and the bootstrap and listener filters belong to the agent' },
    { kind: 'EnvoyFilter', path: `${patches}.match.proxy`, reason: 'proxies are not matched by version or metadata; select them with workloadSelector' },
    { kind: 'EnvoyFilter', path: `${patches}.match.listener.portName`, reason: 'listeners are matched by portNumber or name' },
    { kind: 'EnvoyFilter', path: `${patches}.match.listener.listenerFilter`, reason: 'listener filters belong to the agent and are not patched' },
    { kind: 'EnvoyFilter', path: `${patches}.match.routeConfiguration.portName`, reason: 'route configurations are matched by portNumber or name' },
    { kind: 'EnvoyFilter', path: `${patches}.match.routeConfiguration.gateway`, reason: 'route configurations are not matched by gateway name; select the gateway proxy with workloadSelector' },
    { kind: 'EnvoyFilter', path: `${patches}.patch.filterClass`, when: { text: 'AUTHN, AUTHZ or STATS', test: equals('AUTHN', 'AUTHZ', 'STATS') }, reason: 'filter classes order Istio\'s own filters; place the filter with INSERT_BEFORE or INSERT_AFTER and a subFilter' },
  ];
}

/**
 * ServiceEntry features that are valid config but need the connection's original destination:
 * accepted at apply, translated for REDIRECT-mode sidecars, reported as a translation issue for
 * local-mode (NONE interception) proxies with this reason.
 */
export const NEEDS_ORIGINAL_DESTINATION = 'needs REDIRECT interception (the original destination); local mode dials by Host';

/**
 * DestinationRule `tls.credentialName`: uploaded credentials are served over ADS to gateways only,
 * so a sidecar's cluster that names one is left out and its translation issues say this.
 */
export const GATEWAY_ONLY_CREDENTIAL_NAME = 'credentialName is served to gateways only (sidecars: use clientCertificate and privateKey files); cluster not served';

/** What needs REDIRECT interception, for docs/unsupported.md: [field, when]. */
export const REDIRECT_ONLY_SERVICE_ENTRY_FEATURES: readonly (readonly [string, string])[] = [
  ['spec.hosts[*]', 'a wildcard host (`*.example.com`)'],
  ['spec.addresses', 'set (virtual IPs and CIDR blocks)'],
  ['spec.resolution', 'NONE (or unset) without endpoints or workloadSelector'],
  ['spec.resolution', 'DYNAMIC_DNS'],
];

/** The one list of accepted-but-untranslated fields; `docs/unsupported.md` is generated from it. */
export const UNSUPPORTED_FIELDS: readonly UnsupportedField[] = [
  { kind: 'VirtualService', path: 'spec.http[*].match[*].headers', when: CLAIM_WHEN, reason: CLAIM_ROUTING },
  { kind: 'VirtualService', path: 'spec.http[*].match[*].withoutHeaders', when: CLAIM_WHEN, reason: CLAIM_ROUTING },
  { kind: 'VirtualService', path: 'spec.http[*].redirect.derivePort', reason: 'Envoy cannot derive the redirect port here; set redirect.port' },
  { kind: 'VirtualService', path: 'spec.http[*].fault.delay.exponentialDelay', reason: 'Envoy has no exponential delay (Istio does not implement it either)' },
  { kind: 'VirtualService', path: 'spec.http[*].fault.abort.http2Error', reason: 'Envoy cannot inject HTTP/2 errors' },
  { kind: 'VirtualService', path: 'spec.tcp[*].match[*].destinationSubnets', reason: `every local-mode TCP listener is on 127.0.0.1; ${NO_REDIRECTION}` },
  { kind: 'VirtualService', path: 'spec.tcp[*].match[*].sourceSubnet', reason: 'source subnets are not translated (local callers are all on loopback)' },
  { kind: 'VirtualService', path: 'spec.tls[*].match[*].destinationSubnets', reason: `every local-mode TLS listener is on 127.0.0.1; ${NO_REDIRECTION}` },
  ...trafficPolicyFields(),
  { kind: 'DestinationRule', path: 'spec.workloadSelector', reason: 'DestinationRules apply to every proxy of the namespaces they are exported to' },
  { kind: 'ServiceEntry', path: 'spec.ports[*].protocol', when: { text: 'UDP', test: equals('UDP', 'udp') }, reason: 'UDP is not proxied' },
  { kind: 'ServiceEntry', path: 'spec.endpoints[*].network', reason: 'multi-network meshes are not translated' },
  { kind: 'WorkloadEntry', path: 'spec.network', reason: 'multi-network meshes are not translated' },
  { kind: 'WorkloadGroup', path: 'spec.template.network', reason: 'multi-network meshes are not translated' },
  { kind: 'WorkloadGroup', path: 'spec.probe', reason: 'Trellis runs no health probes; a member is an endpoint while its proxy is connected (use outlierDetection to eject failing ones)' },
  { kind: 'Gateway', path: 'spec.servers[*].bind', reason: 'a gateway listens on the address its proxy is given (trellis-agent gateway-bootstrap --bind, default 0.0.0.0)' },
  { kind: 'Gateway', path: 'spec.servers[*].defaultEndpoint', reason: 'gateways forward to their bound VirtualServices; a default endpoint is not translated' },
  { kind: 'Gateway', path: 'spec.servers[*].port.targetPort', reason: 'a gateway listens on the server port (or its --port-map/--port-offset mapping)' },
  { kind: 'Gateway', path: 'spec.servers[*].tls.mode', when: { text: 'AUTO_PASSTHROUGH', test: equals('AUTO_PASSTHROUGH') }, reason: 'multi-network SNI routing (Istio east-west) is not translated; use PASSTHROUGH with tls routes' },
  { kind: 'Sidecar', path: 'spec.ingress[*].bind', reason: 'an ingress listener listens on the proxy\'s inbound address (the agent\'s INSTANCE_IP)' },
  { kind: 'Sidecar', path: 'spec.ingress[*].captureMode', reason: NO_REDIRECTION },
  { kind: 'Sidecar', path: 'spec.ingress[*].tls', reason: 'ingress listeners take mesh mTLS from PeerAuthentication; TLS termination with other certificates is not translated' },
  ...inboundPoolFields('spec.inboundConnectionPool'),
  ...inboundPoolFields('spec.ingress[*].connectionPool'),
  { kind: 'Sidecar', path: 'spec.egress[*].bind', reason: 'the local-mode outbound listener address is set by the agent' },
  { kind: 'Sidecar', path: 'spec.egress[*].captureMode', reason: NO_REDIRECTION },
  { kind: 'Sidecar', path: 'spec.outboundTrafficPolicy.egressProxy', reason: 'egress proxies are not translated' },
  ...securityFields(),
  ...envoyFilterFields(),
  ...TELEMETRY_UNSUPPORTED_FIELDS,
  { kind: 'ProxyConfig', path: 'spec.image', reason: 'the proxy image is chosen by the injector (trellis-agent and Envoy from the release), not per workload' },
];

/** `spec.http[*].fault` → `['spec', 'http', '[*]', 'fault']`. */
function segmentsOf(path: string): string[] {
  return path.match(/\[\*\]|[^.[\]]+/g) ?? [];
}

function visit(value: unknown, pattern: readonly string[], at: PathSegment[], found: (path: PathSegment[], value: unknown) => void): void {
  if (pattern.length === 0) {
    if (value !== undefined) found(at, value);
    return;
  }
  const [head, ...rest] = pattern as [string, ...string[]];
  if (head === '[*]') {
    if (Array.isArray(value)) value.forEach((item, i) => visit(item, rest, [...at, i], found));
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const object = value as Record<string, unknown>;
  if (head === '*') {
    for (const key of Object.keys(object)) visit(object[key], rest, [...at, key], found);
    return;
  }
  // A conditional entry may be about an unset field (resolution NONE is the default).
  if (rest.length === 0 || head in object) visit(object[head], rest, [...at, head], found);
}

/** Errors for every unsupported field the resource sets (paths start at `spec`). */
export function unsupportedFieldErrors(kind: KindName, spec: Readonly<Record<string, unknown>>): FieldError[] {
  const errors: FieldError[] = [];
  for (const entry of UNSUPPORTED_FIELDS) {
    if (entry.kind !== kind) continue;
    const [, ...pattern] = segmentsOf(entry.path);
    const check = (path: PathSegment[], value: unknown) => {
      if (entry.when ? !entry.when.test(value, spec) : value === undefined) return;
      const what = entry.when ? `${entry.when.text} is unsupported` : 'unsupported';
      errors.push({ path: formatPath(['spec', ...path]), message: `${what}: ${entry.reason}` });
    };
    if (entry.when && pattern.length === 1) check([pattern[0]!], spec[pattern[0]!]);
    else visit(spec, pattern, [], check);
  }
  return errors;
}
