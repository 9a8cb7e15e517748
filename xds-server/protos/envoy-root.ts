// Importing proto-loader registers the well-known protos protobufjs lacks (descriptor.proto, used by validate.proto).
import '@grpc/proto-loader';
import { existsSync } from 'node:fs';
import path from 'node:path';
import protobuf from 'protobufjs';
import type { Root, Type } from 'protobufjs';
import { registerOpenTelemetryCommonProto } from '../../core/envoy/opentelemetry-common-proto.ts';
import { protoIncludeDirs } from './include-dirs.ts';
import { PROTO_FILES } from './proto-files.ts';

let root: Root | undefined;

/** The protobufjs root holding every Envoy type we serve; loaded on first use, once per process. */
export function envoyRoot(): Root {
  root ??= loadRoot();
  return root;
}

function loadRoot(): Root {
  const dirs = protoIncludeDirs();
  registerOpenTelemetryCommonProto();
  const loaded = new protobuf.Root();
  loaded.resolvePath = (_origin, target) => {
    if (path.isAbsolute(target)) return target;
    for (const dir of dirs) {
      const candidate = path.join(dir, target);
      if (existsSync(candidate)) return candidate;
    }
    // google/protobuf/*.proto are bundled with protobufjs, OpenTelemetry's common.proto registered above; both resolve by name.
    return target;
  };
  loaded.loadSync([...PROTO_FILES], { keepCase: true });
  loaded.resolveAll();
  return loaded;
}

/** Types found by name; the root never changes once loaded. Names not found are not kept, so odd names cannot grow it. */
const typesByName = new Map<string, Type>();

/** A message type by fully qualified name (`envoy.config.listener.v3.Listener`), or undefined. */
export function findMessageType(fullName: string): Type | undefined {
  const known = typesByName.get(fullName);
  if (known) return known;
  const found = envoyRoot().lookup(fullName);
  if (!(found instanceof protobuf.Type)) return undefined;
  typesByName.set(fullName, found);
  return found;
}

/** The message type named by a type URL (`type.googleapis.com/<full name>`), or undefined. */
export function messageTypeForUrl(typeUrl: string): Type | undefined {
  return findMessageType(typeUrl.slice(typeUrl.lastIndexOf('/') + 1));
}
