// Importing proto-loader registers the well-known protos protobufjs lacks (descriptor.proto, used by validate.proto).
import '@grpc/proto-loader';
import { existsSync } from 'node:fs';
import path from 'node:path';
import protobuf from 'protobufjs';
import type { Root, Type } from 'protobufjs';
import { PATCH_EXTENSION_PROTO_FILES, RESOURCE_PROTO_FILES } from './patch-proto-files.ts';
import { protoIncludeDirs } from './proto-include-dirs.ts';

let root: Root | undefined;

/** Envoy's types as EnvoyFilter patches see them; loaded on the first patch checked, once per process. */
export function patchRoot(): Root {
  root ??= load();
  return root;
}

function load(): Root {
  const dirs = protoIncludeDirs();
  const loaded = new protobuf.Root();
  loaded.resolvePath = (_origin, target) => {
    if (path.isAbsolute(target)) return target;
    for (const dir of dirs) {
      const candidate = path.join(dir, target);
      if (existsSync(candidate)) return candidate;
    }
    return target;
  };
  loaded.loadSync([...RESOURCE_PROTO_FILES, ...PATCH_EXTENSION_PROTO_FILES], { keepCase: true });
  loaded.resolveAll();
  return loaded;
}

/** A message type by full name (`envoy.config.cluster.v3.Cluster`). */
export function patchType(fullName: string): Type {
  const found = patchRoot().lookup(fullName);
  if (!(found instanceof protobuf.Type)) throw new Error(`${fullName} is not a loaded message type`);
  return found;
}

/** The resource message each EnvoyFilter applyTo patches. */
export const PATCHED_TYPES = {
  LISTENER: 'envoy.config.listener.v3.Listener',
  FILTER_CHAIN: 'envoy.config.listener.v3.FilterChain',
  NETWORK_FILTER: 'envoy.config.listener.v3.Filter',
  HTTP_FILTER: 'envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter',
  ROUTE_CONFIGURATION: 'envoy.config.route.v3.RouteConfiguration',
  VIRTUAL_HOST: 'envoy.config.route.v3.VirtualHost',
  HTTP_ROUTE: 'envoy.config.route.v3.Route',
  CLUSTER: 'envoy.config.cluster.v3.Cluster',
} as const;

export type PatchTarget = keyof typeof PATCHED_TYPES;
