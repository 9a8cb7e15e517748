import { z } from 'zod';
import { ACCEPTED_VERSIONS, KIND_VERSIONS, KINDS, type KindName } from './kinds.ts';
import { ObjectMetaSchema } from './metadata.ts';
import { SPEC_SCHEMAS } from './schemas/spec-schemas.ts';

/** The apiVersions accepted for a kind, e.g. `networking.istio.io/v1beta1`. */
export function acceptedApiVersions(kind: KindName): string[] {
  return (KIND_VERSIONS[kind] ?? ACCEPTED_VERSIONS).map((v) => `${KINDS[kind].group}/${v}`);
}

// The API's per-proxy config document is already the OpenAPI schema `ProxyConfig`.
const SCHEMA_IDS: Partial<Record<KindName, string>> = { ProxyConfig: 'IstioProxyConfig' };

/** The OpenAPI schema name of a kind's envelope: the kind, unless another schema has that name. */
export const envelopeSchemaId = (kind: KindName): string => SCHEMA_IDS[kind] ?? kind;

function buildEnvelope<K extends KindName>(kind: K) {
  const versions = acceptedApiVersions(kind);
  return z
    .strictObject({
      apiVersion: z.enum(versions as [string, ...string[]], {
        message: `apiVersion must be one of ${versions.join(', ')}`,
      }),
      kind: z.literal(kind),
      metadata: ObjectMetaSchema,
      spec: SPEC_SCHEMAS[kind],
      // Kubernetes status, as `kubectl get -o yaml` prints it; ignored.
      status: z.unknown().optional(),
    })
    .meta({ id: envelopeSchemaId(kind), description: `Istio ${kind} (${KINDS[kind].group}) as users write it.` });
}

type Envelope<K extends KindName> = ReturnType<typeof buildEnvelope<K>>;

const cache = new Map<KindName, Envelope<KindName>>();

/** The full schema (apiVersion, kind, metadata, spec) of one kind; built once. */
export function resourceSchema<K extends KindName>(kind: K): Envelope<K> {
  let schema = cache.get(kind);
  if (!schema) {
    schema = buildEnvelope(kind);
    cache.set(kind, schema);
  }
  return schema as Envelope<K>;
}
