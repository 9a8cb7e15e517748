/** A TLS credential a tenant uploaded, as translation needs it (PEM). Keyed `namespace/name`. */
export interface GatewayCredential {
  certificateChain: string;
  privateKey: string;
  caCertificates?: string;
}

/** SDS name of a credential's certificate and key: `<namespace>/<name>`. */
export const credentialSecretName = (namespace: string, name: string) => `${namespace}/${name}`;
/** SDS name of a credential's CA bundle (client validation for MUTUAL), as Istio names it. */
export const caSecretName = (namespace: string, name: string) => `${namespace}/${name}-cacert`;
