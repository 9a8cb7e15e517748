import { z } from 'zod';
import { SelectorLabels } from './shared/labels.ts';
import { PortNumber } from './shared/numbers.ts';
import { PolicyTargetReference } from './shared/target-ref.ts';

export const PATCH_CONTEXTS = ['ANY', 'SIDECAR_INBOUND', 'SIDECAR_OUTBOUND', 'GATEWAY'] as const;
export const APPLY_TO = ['INVALID', 'LISTENER', 'FILTER_CHAIN', 'NETWORK_FILTER', 'HTTP_FILTER', 'ROUTE_CONFIGURATION', 'VIRTUAL_HOST', 'HTTP_ROUTE', 'CLUSTER', 'EXTENSION_CONFIG', 'BOOTSTRAP', 'LISTENER_FILTER'] as const;
export const PATCH_OPERATIONS = ['INVALID', 'MERGE', 'ADD', 'REMOVE', 'INSERT_BEFORE', 'INSERT_AFTER', 'INSERT_FIRST', 'REPLACE'] as const;

const Name = z.string().min(1).max(512);

const SubFilterMatch = z.strictObject({ name: Name.optional() });
const FilterMatch = z.strictObject({ name: Name.optional(), subFilter: SubFilterMatch.optional() });
const FilterChainMatch = z.strictObject({
  name: Name.optional(),
  sni: Name.optional(),
  transportProtocol: z.string().max(64).optional(),
  applicationProtocols: z.string().max(512).optional(),
  filter: FilterMatch.optional(),
  destinationPort: PortNumber.optional(),
});
const ListenerMatch = z.strictObject({
  portNumber: PortNumber.optional(),
  portName: z.string().max(64).optional(),
  filterChain: FilterChainMatch.optional(),
  listenerFilter: Name.optional(),
  name: Name.optional(),
});
const RouteMatch = z.strictObject({ name: Name.optional(), action: z.enum(['ANY', 'ROUTE', 'REDIRECT', 'DIRECT_RESPONSE']).optional() });
const VirtualHostMatch = z.strictObject({ name: Name.optional(), domainName: Name.optional(), route: RouteMatch.optional() });
const RouteConfigurationMatch = z.strictObject({
  portNumber: PortNumber.optional(),
  portName: z.string().max(64).optional(),
  gateway: Name.optional(),
  vhost: VirtualHostMatch.optional(),
  name: Name.optional(),
});
const ClusterMatch = z.strictObject({ portNumber: PortNumber.optional(), service: Name.optional(), subset: Name.optional(), name: Name.optional() });
const ProxyMatch = z.strictObject({ proxyVersion: z.string().max(256).optional(), metadata: z.record(z.string().max(253), z.string().max(1024)).optional() });

const ObjectMatch = z.strictObject({
  context: z.enum(PATCH_CONTEXTS).optional(),
  proxy: ProxyMatch.optional(),
  listener: ListenerMatch.optional(),
  routeConfiguration: RouteConfigurationMatch.optional(),
  cluster: ClusterMatch.optional(),
});

/** An Envoy message in proto3 JSON; its type depends on applyTo and is checked against Envoy's protos (semantics). */
const PatchValue = z.record(z.string(), z.unknown());

const Patch = z.strictObject({
  operation: z.enum(PATCH_OPERATIONS).optional(),
  value: PatchValue.optional(),
  filterClass: z.enum(['UNSPECIFIED', 'AUTHN', 'AUTHZ', 'STATS']).optional(),
});

const EnvoyConfigObjectPatch = z.strictObject({
  applyTo: z.enum(APPLY_TO).optional(),
  match: ObjectMatch.optional(),
  patch: Patch.optional(),
});

export const EnvoyFilterSpec = z
  .strictObject({
    workloadSelector: z.strictObject({ labels: SelectorLabels.optional() }).optional(),
    targetRefs: z.array(PolicyTargetReference).max(16).optional(),
    configPatches: z.array(EnvoyConfigObjectPatch).max(256).optional(),
    priority: z.int().min(-2_147_483_648).max(2_147_483_647).optional(),
  })
  .meta({ id: 'EnvoyFilterSpec', description: 'Patches to the Envoy config Trellis generates, checked against Envoy\'s protos (networking.istio.io EnvoyFilter).' });

export type EnvoyFilterSpec = z.infer<typeof EnvoyFilterSpec>;
export type EnvoyConfigObjectPatch = z.infer<typeof EnvoyConfigObjectPatch>;
export type PatchContext = (typeof PATCH_CONTEXTS)[number];
