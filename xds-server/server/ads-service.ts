import type { ServiceDefinition } from '@grpc/grpc-js';
import { decodeDeltaRequest, decodeSotwRequest } from './codec.ts';

const SERVICE = '/envoy.service.discovery.v3.AggregatedDiscoveryService';

// Responses are encoded by the streams themselves (spliced from cached bytes), so they pass through as-is.
const passThrough = (bytes: Buffer): Buffer => bytes;

/** The ADS service with our own codecs: requests decoded by protobufjs, responses pre-encoded. */
export const ADS_SERVICE = {
  StreamAggregatedResources: {
    path: `${SERVICE}/StreamAggregatedResources`,
    requestStream: true,
    responseStream: true,
    requestSerialize: (): Buffer => {
      throw new Error('server-side definition: requests are never serialized here');
    },
    requestDeserialize: decodeSotwRequest,
    responseSerialize: passThrough,
    responseDeserialize: passThrough,
  },
  DeltaAggregatedResources: {
    path: `${SERVICE}/DeltaAggregatedResources`,
    requestStream: true,
    responseStream: true,
    requestSerialize: (): Buffer => {
      throw new Error('server-side definition: requests are never serialized here');
    },
    requestDeserialize: decodeDeltaRequest,
    responseSerialize: passThrough,
    responseDeserialize: passThrough,
  },
} satisfies ServiceDefinition;
