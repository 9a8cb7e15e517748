import type { MeshSettingsInput } from '../../../core/mesh/mesh-settings.ts';
import type { SpecOf } from '../../../core/resources/index.ts';
import type { SecurityPolicies } from '../security/security-policies.ts';
import type { TranslationIssue } from '../translation-result.ts';

export type ServiceEntrySpec = SpecOf['ServiceEntry'];
export type DestinationRuleSpec = SpecOf['DestinationRule'];
export type VirtualServiceSpec = SpecOf['VirtualService'];
export type HttpRoute = NonNullable<VirtualServiceSpec['http']>[number];
export type HttpMatchRequest = NonNullable<HttpRoute['match']>[number];
export type StringMatch = NonNullable<HttpMatchRequest['uri']>;
export type HttpRetry = NonNullable<HttpRoute['retries']>;
export type HeaderOperations = NonNullable<NonNullable<HttpRoute['headers']>['request']>;
export type RouteDestination = NonNullable<HttpRoute['route']>[number];
export type TrafficPolicy = NonNullable<DestinationRuleSpec['trafficPolicy']>;
export type Resolution = NonNullable<ServiceEntrySpec['resolution']>;

export interface ServicePort {
  number: number;
  name: string;
  /** Upper case; undefined when the ServiceEntry names none. */
  protocol: string | undefined;
  targetPort: number | undefined;
}

/** One backend of a service: a WorkloadEntry, a ServiceEntry endpoint or a connected workload. */
export interface ServiceEndpoint {
  /** IP literal, or a DNS name for DNS-resolved services. */
  address: string;
  /** Service port name → port on the endpoint. */
  ports: Readonly<Record<string, number>>;
  labels: Readonly<Record<string, string>>;
  locality: string;
  weight: number;
  /** The workload's service account, when known: the identity mesh mTLS expects of it. */
  serviceAccount?: string;
}

/** One host of one ServiceEntry: what the registry serves under that name. */
export interface MeshService {
  host: string;
  namespace: string;
  /** `ServiceEntry/namespace/name`. */
  source: string;
  location: 'MESH_INTERNAL' | 'MESH_EXTERNAL';
  resolution: Resolution;
  ports: readonly ServicePort[];
  endpoints: readonly ServiceEndpoint[];
  /** True when endpoints may come and go (workloadSelector): EDS even with none today. */
  selectsWorkloads: boolean;
  exportTo: readonly string[] | undefined;
  /** ServiceEntry subjectAltNames: the identities its endpoints present. */
  subjectAltNames?: readonly string[];
  /** ServiceEntry addresses (VIPs and CIDR blocks): REDIRECT-mode listeners match them by original destination. */
  addresses?: readonly string[];
}

export interface DestinationRuleEntry {
  source: string;
  namespace: string;
  spec: DestinationRuleSpec;
}

export interface VirtualServiceEntry {
  source: string;
  namespace: string;
  spec: VirtualServiceSpec;
}

export interface SidecarEntry {
  source: string;
  namespace: string;
  spec: SidecarSpec;
}

export type SidecarSpec = SpecOf['Sidecar'];
export type GatewaySpec = SpecOf['Gateway'];

export interface GatewayEntry {
  source: string;
  namespace: string;
  name: string;
  spec: GatewaySpec;
}

export type MeshSettings = MeshSettingsInput;

export interface TelemetryEntry {
  source: string;
  namespace: string;
  spec: SpecOf['Telemetry'];
}

/** The mesh at one revision, indexed for translating every proxy of the mesh. */
export interface MeshIndex {
  readonly tenantId: string;
  readonly mesh: string;
  readonly revision: number;
  readonly settings: MeshSettings;
  /** By host, in host order. */
  readonly services: ReadonlyMap<string, MeshService>;
  /** By resolved host; visibility is checked per proxy. */
  readonly destinationRules: ReadonlyMap<string, readonly DestinationRuleEntry[]>;
  readonly virtualServices: ReadonlyMap<string, readonly VirtualServiceEntry[]>;
  /** PeerAuthentications, AuthorizationPolicies and RequestAuthentications, for inbound listeners. */
  readonly security: SecurityPolicies;
  /** VirtualServices without hosts, by `namespace/name`: what root rules delegate to. */
  readonly delegates: ReadonlyMap<string, VirtualServiceEntry>;
  /** Sidecar resources, in source order. */
  readonly sidecars: readonly SidecarEntry[];
  /** Gateway resources, in source order. */
  readonly gateways: readonly GatewayEntry[];
  /** Telemetry resources, in source order. */
  readonly telemetries: readonly TelemetryEntry[];
  /** VirtualServices naming a gateway other than `mesh`, in source order: what gateway proxies route by. */
  readonly gatewayVirtualServices: readonly VirtualServiceEntry[];
  /** Per host: a digest of everything that host's resources are built from. */
  readonly fingerprints: ReadonlyMap<string, string>;
  /** Per host: the same without its endpoints, which routes never read. */
  readonly routeFingerprints: ReadonlyMap<string, string>;
  /** Problems found while indexing (skipped resources). */
  readonly issues: readonly TranslationIssue[];
  /** Per-service pieces already translated, by their inputs (a cache: results never depend on it). */
  readonly memo: Map<string, unknown>;
  /** The previous revision's memo, consulted on a miss. */
  readonly previousMemo: ReadonlyMap<string, unknown> | undefined;
}

/**
 * Names of ServiceEntries the control plane makes from the registry (mirrored Kubernetes Services)
 * begin with this: user-written names are DNS labels, which never do, and `~` sorts after them.
 */
export const REGISTRY_SERVICE_PREFIX = '~';
