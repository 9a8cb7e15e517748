// What a simulated sidecar needs from the resources it receives, decoded with the server's own
// protobufjs root but once per distinct resource version per process, so 1,000s of clients stay cheap.
import { createHash } from 'node:crypto';
import type { Type } from 'protobufjs';
import { findMessageType } from '../xds-server/protos/index.ts';

const HCM_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
/** envoy.config.cluster.v3.Cluster.DiscoveryType.EDS */
const EDS = 3;

function messageType(name: string): Type {
  const type = findMessageType(name);
  if (!type) throw new Error(`${name} is not in the loaded protos`);
  return type;
}

let types: Record<'cluster' | 'listener' | 'hcm', Type> | undefined;
const loaded = () => (types ??= { cluster: messageType('envoy.config.cluster.v3.Cluster'), listener: messageType('envoy.config.listener.v3.Listener'), hcm: messageType('envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager') });

/** A cluster as Envoy's CDS sees it: its name and, for an EDS cluster, the name it asks EDS for. */
export interface ClusterInfo {
  name: string;
  edsName?: string;
}

/** A listener as Envoy's LDS sees it: its name and the route configurations its HTTP connection managers fetch over RDS. */
export interface ListenerInfo {
  name: string;
  routes: string[];
}

const clusters = new Map<string, ClusterInfo>();
const listeners = new Map<string, ListenerInfo>();
let decoded = 0;

/** The key of a resource version: the delta version when the server gave one, else a digest of its bytes (state of the world). */
export function versionKey(bytes: Uint8Array, version?: string, name?: string): string {
  return version && name ? `${name}\u0000${version}` : createHash('sha1').update(bytes).digest('base64');
}

export function clusterInfo(bytes: Uint8Array, key: string): ClusterInfo {
  let info = clusters.get(key);
  if (!info) {
    const c = loaded().cluster.decode(bytes) as unknown as { name: string; type?: number; eds_cluster_config?: { service_name?: string } };
    info = c.type === EDS ? { name: c.name, edsName: c.eds_cluster_config?.service_name || c.name } : { name: c.name };
    clusters.set(key, info);
    decoded++;
  }
  return info;
}

interface DecodedListener {
  name: string;
  filter_chains?: { filters?: { typed_config?: { type_url: string; value: Uint8Array } }[] }[];
  default_filter_chain?: { filters?: { typed_config?: { type_url: string; value: Uint8Array } }[] };
}

export function listenerInfo(bytes: Uint8Array, key: string): ListenerInfo {
  let info = listeners.get(key);
  if (!info) {
    const l = loaded().listener.decode(bytes) as unknown as DecodedListener;
    const routes = new Set<string>();
    for (const chain of [...(l.filter_chains ?? []), ...(l.default_filter_chain ? [l.default_filter_chain] : [])]) {
      for (const filter of chain.filters ?? []) {
        if (filter.typed_config?.type_url !== HCM_TYPE_URL) continue;
        const hcm = loaded().hcm.decode(filter.typed_config.value) as unknown as { rds?: { route_config_name?: string } };
        if (hcm.rds?.route_config_name) routes.add(hcm.rds.route_config_name);
      }
    }
    info = { name: l.name, routes: [...routes].sort() };
    listeners.set(key, info);
    decoded++;
  }
  return info;
}

/** How many resource versions this process decoded (each once). */
export const decodedVersions = () => decoded;

/** Field 1 (the name) of a ClusterLoadAssignment or RouteConfiguration, read from the bytes without decoding the rest. */
export function nameOf(bytes: Uint8Array): string {
  if (bytes[0] !== 0x0a) return '';
  let len = 0;
  let shift = 0;
  let i = 1;
  for (; i < bytes.length; i++) {
    len |= (bytes[i]! & 0x7f) << shift;
    if (!(bytes[i]! & 0x80)) break;
    shift += 7;
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset + i + 1, len).toString();
}
