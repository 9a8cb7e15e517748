/** LDS: listeners. */
export const LISTENER_TYPE_URL = 'type.googleapis.com/envoy.config.listener.v3.Listener';
export type ListenerTypeUrl = typeof LISTENER_TYPE_URL;
/** The field holding the resource name. */
export const LISTENER_NAME_FIELD = 'name';
/** Whether a proxy may subscribe to all resources of this type at once. */
export const LISTENER_WILDCARD = true;
