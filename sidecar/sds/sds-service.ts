import type { ServiceDefinition } from '@grpc/grpc-js';
import type { Type } from 'protobufjs';
import { sdsTypes } from './sds-protos.ts';

const SERVICE = '/envoy.service.secret.v3.SecretDiscoveryService';

const decoder = (type: () => Type) => (bytes: Buffer) => type().toObject(type().decode(bytes), { longs: String, enums: String, arrays: true }) as Record<string, unknown>;
const encoder = (type: () => Type) => (object: Record<string, unknown>) => Buffer.from(type().encode(type().fromObject(object)).finish());

/** envoy.service.secret.v3.SecretDiscoveryService, both flavours, coded by protobufjs from the Envoy .protos. */
export const SDS_SERVICE = {
  StreamSecrets: {
    path: `${SERVICE}/StreamSecrets`,
    requestStream: true,
    responseStream: true,
    requestSerialize: encoder(() => sdsTypes().request),
    requestDeserialize: decoder(() => sdsTypes().request),
    responseSerialize: encoder(() => sdsTypes().response),
    responseDeserialize: decoder(() => sdsTypes().response),
  },
  DeltaSecrets: {
    path: `${SERVICE}/DeltaSecrets`,
    requestStream: true,
    responseStream: true,
    requestSerialize: encoder(() => sdsTypes().deltaRequest),
    requestDeserialize: decoder(() => sdsTypes().deltaRequest),
    responseSerialize: encoder(() => sdsTypes().deltaResponse),
    responseDeserialize: decoder(() => sdsTypes().deltaResponse),
  },
} satisfies ServiceDefinition;
