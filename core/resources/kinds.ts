/** The Istio kinds Trellis stores, with their API group and REST plural (contract). */
export const KINDS = {
  VirtualService: { group: 'networking.istio.io', plural: 'virtualservices' },
  DestinationRule: { group: 'networking.istio.io', plural: 'destinationrules' },
  Gateway: { group: 'networking.istio.io', plural: 'gateways' },
  ServiceEntry: { group: 'networking.istio.io', plural: 'serviceentries' },
  Sidecar: { group: 'networking.istio.io', plural: 'sidecars' },
  WorkloadEntry: { group: 'networking.istio.io', plural: 'workloadentries' },
  WorkloadGroup: { group: 'networking.istio.io', plural: 'workloadgroups' },
  PeerAuthentication: { group: 'security.istio.io', plural: 'peerauthentications' },
  AuthorizationPolicy: { group: 'security.istio.io', plural: 'authorizationpolicies' },
  RequestAuthentication: { group: 'security.istio.io', plural: 'requestauthentications' },
  Telemetry: { group: 'telemetry.istio.io', plural: 'telemetries' },
  EnvoyFilter: { group: 'networking.istio.io', plural: 'envoyfilters' },
  ProxyConfig: { group: 'networking.istio.io', plural: 'proxyconfigs' },
} as const;

export type KindName = keyof typeof KINDS;
export type KindPlural = (typeof KINDS)[KindName]['plural'];

export const KIND_NAMES = Object.keys(KINDS) as KindName[];

/** Versions accepted on input; everything is stored and served as `v1`. */
export const ACCEPTED_VERSIONS = ['v1', 'v1beta1', 'v1alpha3'] as const;
export const STORED_VERSION = 'v1';

/** Kinds whose group has other versions than the networking and security ones (Istio's telemetry API was v1alpha1). */
export const KIND_VERSIONS: Partial<Record<KindName, readonly string[]>> = { Telemetry: ['v1', 'v1alpha1'] };

export function isKindName(value: string): value is KindName {
  return Object.hasOwn(KINDS, value);
}

export function kindFromPlural(plural: string): KindName | undefined {
  return KIND_NAMES.find((k) => KINDS[k].plural === plural);
}

export function storedApiVersion(kind: KindName): string {
  return `${KINDS[kind].group}/${STORED_VERSION}`;
}
