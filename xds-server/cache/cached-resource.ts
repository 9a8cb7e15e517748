import protobuf from 'protobufjs';
import { encodeAny, fieldNumber, writeBytesField, writeStringField } from '../protos/index.ts';
import type { XdsTypeUrl } from '../protos/index.ts';
import type { EncodeCounters } from './encode-counters.ts';
import { entryHash } from './entry-hash.ts';
import type { ResourceReference } from './references.ts';

let resourceFields: { name: number; version: number; resource: number } | undefined;

/**
 * One version of one resource, encoded once. Streams splice `any` (state of the world) or
 * `deltaResource` (incremental) into their responses; both are built on first use and shared.
 */
export class CachedResource {
  private anyBytes: Uint8Array | undefined;
  private deltaBytes: Uint8Array | undefined;
  private hash: readonly [number, number] | undefined;

  constructor(
    readonly typeUrl: XdsTypeUrl,
    readonly name: string,
    readonly version: string,
    readonly body: Uint8Array,
    /** Resources of other types this one needs (EDS names of a cluster, RDS names of a listener). */
    readonly references: readonly ResourceReference[],
    private readonly counters: EncodeCounters,
  ) {}

  /** The hash of (name, version) that delta streams fold into the digest of what their proxy holds. */
  get entryHash(): readonly [number, number] {
    this.hash ??= entryHash(this.name, this.version);
    return this.hash;
  }

  /** The resource as a `google.protobuf.Any`. */
  get any(): Uint8Array {
    if (!this.anyBytes) {
      this.counters.wrappers++;
      this.anyBytes = encodeAny(this.typeUrl, this.body);
    }
    return this.anyBytes;
  }

  /** The resource as an `envoy.service.discovery.v3.Resource` (name, version, Any). */
  get deltaResource(): Uint8Array {
    if (!this.deltaBytes) {
      resourceFields ??= {
        name: fieldNumber('envoy.service.discovery.v3.Resource', 'name'),
        version: fieldNumber('envoy.service.discovery.v3.Resource', 'version'),
        resource: fieldNumber('envoy.service.discovery.v3.Resource', 'resource'),
      };
      const writer = protobuf.Writer.create();
      writeStringField(writer, resourceFields.version, this.version);
      writeBytesField(writer, resourceFields.resource, this.any);
      writeStringField(writer, resourceFields.name, this.name);
      this.counters.wrappers++;
      this.deltaBytes = writer.finish();
    }
    return this.deltaBytes;
  }
}
