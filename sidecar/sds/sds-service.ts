import type { ServiceDefinition } from '@grpc/grpc-js';
import { decodeSdsDeltaRequest, decodeSdsRequest, encodeSdsDeltaResponse, encodeSdsResponse } from './sds-codec.ts';

const SERVICE = '/envoy.service.secret.v3.SecretDiscoveryService';

/** Directions the agent never codes (it serves, it does not call). */
const unused = (): never => {
  throw new Error('the agent only serves SDS');
};

/** envoy.service.secret.v3.SecretDiscoveryService, both flavours, served with the agent's SDS codec. */
export const SDS_SERVICE = {
  StreamSecrets: {
    path: `${SERVICE}/StreamSecrets`,
    requestStream: true,
    responseStream: true,
    requestSerialize: unused,
    requestDeserialize: decodeSdsRequest,
    responseSerialize: encodeSdsResponse,
    responseDeserialize: unused,
  },
  DeltaSecrets: {
    path: `${SERVICE}/DeltaSecrets`,
    requestStream: true,
    responseStream: true,
    requestSerialize: unused,
    requestDeserialize: decodeSdsDeltaRequest,
    responseSerialize: encodeSdsDeltaResponse,
    responseDeserialize: unused,
  },
} satisfies ServiceDefinition;
