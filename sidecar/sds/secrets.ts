import { encodeSecret, type AnyMessage } from './sds-codec.ts';

export const SECRET_TYPE_URL = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret';

/** Istio's names, which the translated listeners and clusters reference. */
export const WORKLOAD_SECRET_NAME = 'default';
export const ROOT_CA_SECRET_NAME = 'ROOTCA';

/** What the agent holds and serves: the workload's certificate and key, and the roots to trust. */
export interface WorkloadSecrets {
  certificateChainPem: string;
  privateKeyPem: string;
  trustBundlePem: string;
}

/** Each secret encoded once per version, as an `Any` ready to go into any response. */
export type EncodedSecrets = Map<string, AnyMessage>;

export function encodeSecrets(s: WorkloadSecrets): EncodedSecrets {
  return new Map([
    [WORKLOAD_SECRET_NAME, { type_url: SECRET_TYPE_URL, value: encodeSecret({ name: WORKLOAD_SECRET_NAME, tls_certificate: { certificate_chain: s.certificateChainPem, private_key: s.privateKeyPem } }) }],
    [ROOT_CA_SECRET_NAME, { type_url: SECRET_TYPE_URL, value: encodeSecret({ name: ROOT_CA_SECRET_NAME, validation_context: { trusted_ca: s.trustBundlePem } }) }],
  ]);
}
