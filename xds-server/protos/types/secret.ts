/** SDS: TLS certificates and validation contexts. */
export const SECRET_TYPE_URL = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret';
export type SecretTypeUrl = typeof SECRET_TYPE_URL;
/** The field holding the resource name. */
export const SECRET_NAME_FIELD = 'name';
/** Whether a proxy may subscribe to all resources of this type at once. */
export const SECRET_WILDCARD = false;
