import protobuf from 'protobufjs';
import { CachedResource, contentVersion, type EncodeCounters, type ResourceReference } from '../cache/index.ts';
import { fieldNumber, findMessageType, ROUTE_TYPE_URL, VIRTUAL_HOST_TYPE_URL, writeBytesField, writeStringField } from '../protos/index.ts';

/**
 * VHDS for delta streams: each route configuration the cache holds is served as the same
 * configuration without its virtual hosts but naming VHDS over ADS, and each virtual host as a
 * resource `<route configuration>/<virtual host>` (also its name inside, as Envoy requires), so a
 * change to one host sends that host only.
 * The split works on the encoded bytes (no decoding of routes) and is done once per cached
 * version, shared by every stream. Envoy (1.40, checked) subscribes to VHDS with an empty name
 * list, i.e. every virtual host, and merges them with the configuration's own hosts.
 */
export interface VhdsSplit {
  /**
   * Same name as the original, VHDS instead of hosts; versioned by its own bytes, so a change to a
   * host alone sends that host and not the (unchanged) configuration again.
   */
  readonly routeConfiguration: CachedResource;
  readonly virtualHosts: readonly CachedResource[];
}

/** What a VHDS stream is served for RDS and VHDS, derived from the scope's route configurations. */
export interface VhdsView {
  readonly routes: ReadonlyMap<string, CachedResource>;
  readonly virtualHosts: ReadonlyMap<string, CachedResource>;
}

const LENGTH_DELIMITED = 2;
const counters: EncodeCounters = { resources: 0, wrappers: 0 };
const splits = new WeakMap<CachedResource, VhdsSplit | null>();
const views = new WeakMap<ReadonlyMap<string, CachedResource>, VhdsView>();

let wire: { virtualHosts: number; vhds: number; hostName: number; vhdsField: Uint8Array } | undefined;

function wireFields(): NonNullable<typeof wire> {
  if (!wire) {
    const vhdsType = findMessageType('envoy.config.route.v3.Vhds');
    if (!vhdsType) throw new Error('envoy.config.route.v3.Vhds is not in the loaded protos');
    const vhds = fieldNumber('envoy.config.route.v3.RouteConfiguration', 'vhds');
    const body = vhdsType.encode(vhdsType.fromObject({ config_source: { ads: {}, resource_api_version: 'V3' } })).finish();
    wire = {
      virtualHosts: fieldNumber('envoy.config.route.v3.RouteConfiguration', 'virtual_hosts'),
      vhds,
      hostName: fieldNumber('envoy.config.route.v3.VirtualHost', 'name'),
      vhdsField: writeBytesField(protobuf.Writer.create(), vhds, body).finish(),
    };
  }
  return wire;
}

/** A virtual host's name and its other fields, as encoded. */
function readHost(bytes: Uint8Array, field: number): { name: string | undefined; rest: Uint8Array[] } {
  const reader = protobuf.Reader.create(bytes);
  let name: string | undefined;
  const rest: Uint8Array[] = [];
  while (reader.pos < reader.len) {
    const start = reader.pos;
    const tag = reader.uint32();
    if (tag >>> 3 === field && (tag & 7) === LENGTH_DELIMITED) {
      name = reader.string();
      continue;
    }
    reader.skipType(tag & 7);
    rest.push(bytes.subarray(start, reader.pos));
  }
  return { name, rest };
}

/**
 * The VHDS form of a route configuration, or undefined when it stays whole: no virtual hosts
 * (Envoy would wait for a first VHDS answer that names none of its hosts), a name with `/`
 * (Envoy files a virtual host under the route configuration named before its last `/`), or
 * unnamed or duplicate host names.
 */
export function splitRouteConfiguration(rc: CachedResource): VhdsSplit | undefined {
  let split = splits.get(rc);
  if (split === undefined) {
    split = buildSplit(rc);
    splits.set(rc, split);
  }
  return split ?? undefined;
}

function buildSplit(rc: CachedResource): VhdsSplit | null {
  if (rc.typeUrl !== ROUTE_TYPE_URL || rc.name.includes('/')) return null;
  const f = wireFields();
  const reader = protobuf.Reader.create(rc.body);
  const rest: Uint8Array[] = [];
  const hosts: Uint8Array[] = [];
  while (reader.pos < reader.len) {
    const start = reader.pos;
    const tag = reader.uint32();
    const field = tag >>> 3;
    if (field === f.vhds) return null;
    if (field === f.virtualHosts && (tag & 7) === LENGTH_DELIMITED) {
      hosts.push(reader.bytes());
      continue;
    }
    reader.skipType(tag & 7);
    rest.push(rc.body.subarray(start, reader.pos));
  }
  if (hosts.length === 0) return null;
  const names = new Set<string>();
  const virtualHosts: CachedResource[] = [];
  for (const bytes of hosts) {
    const { name, rest: fields } = readHost(bytes, f.hostName);
    if (!name || name.includes('/') || names.has(name)) return null;
    names.add(name);
    // Envoy keys VHDS hosts by their own name and removes them by resource name: the two must be one.
    const full = `${rc.name}/${name}`;
    const host = Buffer.concat([writeStringField(protobuf.Writer.create(), f.hostName, full).finish(), ...fields]);
    // Each host is held to every cluster the configuration names: no host goes out before them.
    virtualHosts.push(new CachedResource(VIRTUAL_HOST_TYPE_URL, full, contentVersion(host), host, rc.references, counters));
  }
  const references: ResourceReference[] = virtualHosts.map((vh) => ({ typeUrl: VIRTUAL_HOST_TYPE_URL, name: vh.name }));
  const body = Buffer.concat([...rest, f.vhdsField]);
  return { routeConfiguration: new CachedResource(ROUTE_TYPE_URL, rc.name, contentVersion(body), body, references, counters), virtualHosts };
}

/** The route configuration a virtual host resource belongs to. */
export function routeConfigurationOf(virtualHostName: string): string {
  return virtualHostName.slice(0, virtualHostName.lastIndexOf('/'));
}

/** RDS and VHDS as a VHDS stream sees them; one view per cache map, shared by the streams of a scope. */
export function vhdsView(routes: ReadonlyMap<string, CachedResource>): VhdsView {
  let view = views.get(routes);
  if (!view) {
    const served = new Map<string, CachedResource>();
    const virtualHosts = new Map<string, CachedResource>();
    for (const [name, rc] of routes) {
      const split = splitRouteConfiguration(rc);
      served.set(name, split?.routeConfiguration ?? rc);
      for (const vh of split?.virtualHosts ?? []) virtualHosts.set(vh.name, vh);
    }
    view = { routes: served, virtualHosts };
    views.set(routes, view);
  }
  return view;
}

/**
 * Whether a proxy can take route configurations in VHDS form: Envoy 1.40 or later (VHDS over an
 * ADS config source was checked there; older Envoys refuse `ads` as VHDS source), speaking delta.
 */
export function supportsVhds(node: Readonly<Record<string, unknown>> | null | undefined): boolean {
  if (node?.['user_agent_name'] !== 'envoy') return false;
  const version = (node['user_agent_build_version'] as { version?: { major_number?: unknown; minor_number?: unknown } } | undefined)?.version;
  const major = Number(version?.major_number ?? 0);
  const minor = Number(version?.minor_number ?? 0);
  return major > 1 || (major === 1 && minor >= 40);
}
