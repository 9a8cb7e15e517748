/** `@type` URLs and filter names of the Envoy extensions the security translation writes. */
export const DOWNSTREAM_TLS_CONTEXT_TYPE = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext';
export const TLS_INSPECTOR_TYPE = 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector';
export const RBAC_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC';
export const JWT_AUTHN_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication';

export const TLS_INSPECTOR_NAME = 'envoy.filters.listener.tls_inspector';
export const RBAC_FILTER_NAME = 'envoy.filters.http.rbac';
export const JWT_AUTHN_FILTER_NAME = 'envoy.filters.http.jwt_authn';
export const EXT_AUTHZ_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz';
export const EXT_AUTHZ_FILTER_NAME = 'envoy.filters.http.ext_authz';
