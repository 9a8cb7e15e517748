/** Default ports of a sidecar and of the xDS server; apart from the schemas, so command lines load them cheaply. */
export const DEFAULT_INBOUND_PORT = 15006;
export const DEFAULT_OUTBOUND_PORT = 15001;
export const DEFAULT_XDS_PORT = 18000;
