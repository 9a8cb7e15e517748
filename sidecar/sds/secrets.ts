import { sdsTypes, SECRET_TYPE_URL } from './sds-protos.ts';

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
export type EncodedSecrets = Map<string, { type_url: string; value: Uint8Array }>;

export function encodeSecrets(s: WorkloadSecrets): EncodedSecrets {
  const { secret } = sdsTypes();
  const encode = (object: Record<string, unknown>) => ({ type_url: SECRET_TYPE_URL, value: secret.encode(secret.fromObject(object)).finish() });
  return new Map([
    [WORKLOAD_SECRET_NAME, encode({ name: WORKLOAD_SECRET_NAME, tls_certificate: { certificate_chain: { inline_string: s.certificateChainPem }, private_key: { inline_string: s.privateKeyPem } } })],
    [ROOT_CA_SECRET_NAME, encode({ name: ROOT_CA_SECRET_NAME, validation_context: { trusted_ca: { inline_string: s.trustBundlePem } } })],
  ]);
}
