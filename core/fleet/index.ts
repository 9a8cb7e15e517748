export type { FleetStatusStore, ProxyStatusRecord } from './fleet-status.ts';
export { MAX_NACK_MESSAGE_CHARS, MAX_PROXY_ID_LENGTH, MAX_PROXY_STATUS_RECORD_BYTES, PROXY_ID, TRUNCATED_MARK, byProxyId, isCurrent, truncateNackMessage, validateProxyRemoval, validateProxyStatusRecord, validateProxyStatusRecords } from './fleet-input.ts';
export { FleetProxyStatus, type FleetProxyStatusOptions } from './fleet-proxy-status.ts';
