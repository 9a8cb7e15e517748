import { loadSync, type PackageDefinition } from '@grpc/proto-loader';
import { protoIncludeDirs } from './include-dirs.ts';

let definition: PackageDefinition | undefined;

/**
 * The ADS service as @grpc/proto-loader sees it: lets ordinary grpc-js clients (tests, tools)
 * talk to the server through an independent decoding path.
 */
export function adsPackageDefinition(): PackageDefinition {
  definition ??= loadSync('envoy/service/discovery/v3/ads.proto', {
    keepCase: true,
    longs: String,
    enums: String,
    defaults: false,
    arrays: true,
    oneofs: true,
    includeDirs: protoIncludeDirs(),
  });
  return definition;
}
