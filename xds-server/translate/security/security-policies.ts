import type { SpecOf } from '../../../core/resources/index.ts';

/** One stored security resource, as the mesh index keeps it. */
export interface PolicyEntry<S> {
  /** `Kind/namespace/name`. */
  source: string;
  namespace: string;
  spec: S;
}

export type PeerAuthenticationEntry = PolicyEntry<SpecOf['PeerAuthentication']>;
export type AuthorizationPolicyEntry = PolicyEntry<SpecOf['AuthorizationPolicy']>;
export type RequestAuthenticationEntry = PolicyEntry<SpecOf['RequestAuthentication']>;

/** The security resources of one mesh revision, each list in source order. */
export interface SecurityPolicies {
  readonly peerAuthentications: readonly PeerAuthenticationEntry[];
  readonly authorizationPolicies: readonly AuthorizationPolicyEntry[];
  readonly requestAuthentications: readonly RequestAuthenticationEntry[];
}
