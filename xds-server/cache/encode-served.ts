import { encodeResource, LISTENER_TYPE_URL, type ResourceObject, type XdsTypeUrl } from '../protos/index.ts';

/**
 * The bytes Trellis serves for a resource (the cache and the hosted API's proxy-config agree on them).
 * A listener is its address appended to the encoding of everything else: a protobuf parser takes a
 * field wherever it appears, so replicas that differ only in the address they bind (no traffic
 * redirection) share the validated encoding of the rest, which `encodeRest` may memoise.
 */
export function encodeServed(typeUrl: XdsTypeUrl, object: ResourceObject, name: string, encodeRest: (rest: ResourceObject) => Uint8Array = (rest) => encodeResource(typeUrl, rest, name)): Uint8Array {
  const split = splitAddress(typeUrl, object);
  if (!split) return encodeResource(typeUrl, object, name);
  const { address, rest } = split;
  const head = encodeRest(rest);
  const tail = encodeResource(typeUrl, { address }, name);
  const body = new Uint8Array(head.byteLength + tail.byteLength);
  body.set(head);
  body.set(tail, head.byteLength);
  return body;
}

/** A listener's address and everything else, which `encodeServed` encodes apart; undefined for anything else. */
export function splitAddress(typeUrl: XdsTypeUrl, object: ResourceObject): { address: unknown; rest: ResourceObject } | undefined {
  if (typeUrl !== LISTENER_TYPE_URL || object.address === undefined) return undefined;
  const { address, ...rest } = object;
  return { address, rest };
}
