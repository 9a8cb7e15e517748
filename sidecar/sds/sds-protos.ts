// Importing proto-loader registers the well-known protos protobufjs lacks (descriptor.proto, used by validate.proto).
import '@grpc/proto-loader';
import { existsSync } from 'node:fs';
import path from 'node:path';
import protobuf from 'protobufjs';
import type { Type } from 'protobufjs';
import { protoIncludeDirs } from '../../core/envoy/proto-include-dirs.ts';

export const SECRET_TYPE_URL = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret';

/** The message types the agent's SDS server reads and writes. */
export interface SdsTypes {
  request: Type;
  response: Type;
  deltaRequest: Type;
  deltaResponse: Type;
  secret: Type;
}

let types: SdsTypes | undefined;

/**
 * Only the SDS slice of the Envoy API (a few dozen files, not the ~600 the xDS server loads),
 * from the same pinned .proto files, so the agent starts fast and stays small.
 */
export function sdsTypes(): SdsTypes {
  types ??= load();
  return types;
}

function load(): SdsTypes {
  const dirs = protoIncludeDirs();
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => {
    if (path.isAbsolute(target)) return target;
    for (const dir of dirs) {
      const candidate = path.join(dir, target);
      if (existsSync(candidate)) return candidate;
    }
    return target;
  };
  root.loadSync(['envoy/service/discovery/v3/discovery.proto', 'envoy/extensions/transport_sockets/tls/v3/secret.proto'], { keepCase: true });
  root.resolveAll();
  const type = (name: string) => root.lookupType(name);
  return {
    request: type('envoy.service.discovery.v3.DiscoveryRequest'),
    response: type('envoy.service.discovery.v3.DiscoveryResponse'),
    deltaRequest: type('envoy.service.discovery.v3.DeltaDiscoveryRequest'),
    deltaResponse: type('envoy.service.discovery.v3.DeltaDiscoveryResponse'),
    secret: type('envoy.extensions.transport_sockets.tls.v3.Secret'),
  };
}
