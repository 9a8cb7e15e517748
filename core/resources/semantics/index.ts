import type { FieldError } from '../../result.ts';
import type { KindName } from '../kinds.ts';
import type { SpecOf } from '../schemas/spec-schemas.ts';
import { validateAuthorizationPolicy } from './authorization-policy.ts';
import type { Findings } from './collector.ts';
import { validateDestinationRule } from './destination-rule.ts';
import { validateEnvoyFilter } from './envoy-filter.ts';
import { validateGateway } from './gateway.ts';
import { validatePeerAuthentication } from './peer-authentication.ts';
import { validateProxyConfig } from './proxy-config.ts';
import { validateRequestAuthentication } from './request-authentication.ts';
import { validateServiceEntry } from './service-entry.ts';
import { validateSidecar } from './sidecar.ts';
import { validateTelemetry } from './telemetry.ts';
import { validateVirtualService } from './virtual-service.ts';
import { validateWorkloadEntry } from './workload-entry.ts';
import { validateWorkloadGroup } from './workload-group.ts';

const VALIDATORS: { [K in KindName]: (spec: SpecOf[K]) => Findings } = {
  VirtualService: validateVirtualService,
  DestinationRule: validateDestinationRule,
  Gateway: validateGateway,
  ServiceEntry: validateServiceEntry,
  Sidecar: validateSidecar,
  WorkloadEntry: validateWorkloadEntry,
  WorkloadGroup: validateWorkloadGroup,
  PeerAuthentication: validatePeerAuthentication,
  AuthorizationPolicy: validateAuthorizationPolicy,
  RequestAuthentication: validateRequestAuthentication,
  Telemetry: validateTelemetry,
  EnvoyFilter: validateEnvoyFilter,
  ProxyConfig: validateProxyConfig,
};

/** Checks of one kind's spec that a schema cannot express; paths start at `spec`. */
export function validateSpecSemantics<K extends KindName>(kind: K, spec: SpecOf[K]): FieldError[] {
  return VALIDATORS[kind](spec).errors;
}
