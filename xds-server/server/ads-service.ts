import type { ServiceDefinition } from '@grpc/grpc-js';

const SERVICE = '/envoy.service.discovery.v3.AggregatedDiscoveryService';

// Responses are encoded by the streams themselves (spliced from cached bytes), so they pass through as-is.
// So do requests: a stream decodes each in its turn (ads-stream.ts), not in the socket read that
// delivered it, where thousands of first requests (each carrying Envoy's node) would be decoded in
// one poll phase of the event loop during a connection storm.
const passThrough = (bytes: Buffer): Buffer => bytes;

/** The ADS service with our own codecs: requests and responses pass as bytes (decoded and pre-encoded by the streams). */
export const ADS_SERVICE = {
  StreamAggregatedResources: {
    path: `${SERVICE}/StreamAggregatedResources`,
    requestStream: true,
    responseStream: true,
    requestSerialize: (): Buffer => {
      throw new Error('server-side definition: requests are never serialized here');
    },
    requestDeserialize: passThrough,
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
    requestDeserialize: passThrough,
    responseSerialize: passThrough,
    responseDeserialize: passThrough,
  },
} satisfies ServiceDefinition;
