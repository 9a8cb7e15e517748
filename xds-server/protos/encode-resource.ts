import type { Type } from 'protobufjs';
import { checkObject } from './check-object.ts';
import { messageTypeForUrl } from './envoy-root.ts';
import { ResourceEncodeError } from './resource-encode-error.ts';
import { isXdsTypeUrl, resourceTypeInfo } from './type-urls.ts';

/** An Envoy message in protobufjs object form (snake_case fields, Any as `{ '@type', ...fields }`). */
export type ResourceObject = Record<string, unknown>;

function typeFor(typeUrl: string, name: string): Type {
  const type = messageTypeForUrl(typeUrl);
  if (!type) throw new ResourceEncodeError(typeUrl, name, [{ path: '', message: `unknown type URL ${typeUrl}` }]);
  return type;
}

/** The resource's name as Envoy will see it (`name`, or `cluster_name` for endpoints), if set. */
export function resourceNameOf(typeUrl: string, object: ResourceObject): string | undefined {
  const field = isXdsTypeUrl(typeUrl) ? resourceTypeInfo(typeUrl).nameField : 'name';
  const name = object[field];
  return typeof name === 'string' ? name : undefined;
}

/**
 * Encodes one resource to its protobuf bytes. Throws ResourceEncodeError naming the resource
 * and every offending field path when the object does not fit the message type.
 */
export function encodeResource(typeUrl: string, object: ResourceObject, name = resourceNameOf(typeUrl, object) ?? '(unnamed)'): Uint8Array {
  const type = typeFor(typeUrl, name);
  const errors = checkObject(type, object);
  if (errors.length > 0) throw new ResourceEncodeError(typeUrl, name, errors);
  const message = type.fromObject(object);
  const invalid = type.verify(message);
  if (invalid) throw new ResourceEncodeError(typeUrl, name, [{ path: '', message: invalid }]);
  return type.encode(message).finish();
}

/** Decodes resource bytes back to object form, Any fields as `@type` objects (tests, debugging). */
export function decodeResource(typeUrl: string, bytes: Uint8Array): ResourceObject {
  const type = typeFor(typeUrl, '(decoding)');
  return type.toObject(type.decode(bytes), { json: true, enums: String, longs: String }) as ResourceObject;
}
