import type { z } from 'zod';
import type { KindName } from '../kinds.ts';
import { AuthorizationPolicySpec } from './authorization-policy.ts';
import { DestinationRuleSpec } from './destination-rule.ts';
import { EnvoyFilterSpec } from './envoy-filter.ts';
import { GatewaySpec } from './gateway.ts';
import { PeerAuthenticationSpec } from './peer-authentication.ts';
import { ProxyConfigSpec } from './proxy-config.ts';
import { RequestAuthenticationSpec } from './request-authentication.ts';
import { ServiceEntrySpec } from './service-entry.ts';
import { SidecarSpec } from './sidecar.ts';
import { TelemetrySpec } from './telemetry.ts';
import { VirtualServiceSpec } from './virtual-service.ts';
import { WorkloadEntrySpec } from './workload-entry.ts';
import { WorkloadGroupSpec } from './workload-group.ts';

/** The `spec` schema of each kind. */
export const SPEC_SCHEMAS = {
  VirtualService: VirtualServiceSpec,
  DestinationRule: DestinationRuleSpec,
  Gateway: GatewaySpec,
  ServiceEntry: ServiceEntrySpec,
  Sidecar: SidecarSpec,
  WorkloadEntry: WorkloadEntrySpec,
  WorkloadGroup: WorkloadGroupSpec,
  PeerAuthentication: PeerAuthenticationSpec,
  AuthorizationPolicy: AuthorizationPolicySpec,
  RequestAuthentication: RequestAuthenticationSpec,
  Telemetry: TelemetrySpec,
  EnvoyFilter: EnvoyFilterSpec,
  ProxyConfig: ProxyConfigSpec,
} as const satisfies Record<KindName, z.ZodType>;

/** Each kind's spec type, keyed by kind. */
export type SpecOf = { [K in KindName]: z.infer<(typeof SPEC_SCHEMAS)[K]> };
