import { protoDuration } from '../envoy/duration.ts';
import type { TrafficPolicy } from '../mesh/mesh-model.ts';

const seconds = (text: string | undefined) => (text ? (protoDuration(text)?.seconds ?? 0) : undefined);

/** connect_timeout and TCP keepalive from connectionPool.tcp. */
export function upstreamConnectionFields(policy: TrafficPolicy): Record<string, unknown> {
  const tcp = policy.connectionPool?.tcp;
  if (!tcp) return {};
  const fields: Record<string, unknown> = {};
  if (tcp.connectTimeout) fields['connect_timeout'] = protoDuration(tcp.connectTimeout);
  const ka = tcp.tcpKeepalive;
  if (ka) {
    const keepalive: Record<string, unknown> = {};
    if (ka.probes !== undefined) keepalive['keepalive_probes'] = { value: ka.probes };
    if (ka.time) keepalive['keepalive_time'] = { value: seconds(ka.time) };
    if (ka.interval) keepalive['keepalive_interval'] = { value: seconds(ka.interval) };
    fields['upstream_connection_options'] = { tcp_keepalive: keepalive };
  }
  return fields;
}
