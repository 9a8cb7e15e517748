import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseDocuments } from './documents.ts';
import { envelopeSchemaId, resourceSchema } from './envelope.ts';
import { ACCEPTED_VERSIONS, KIND_NAMES, KIND_VERSIONS, KINDS, type KindName } from './kinds.ts';
import { validateMeshConfig } from './mesh-validation.ts';
import { parseResource } from './parse-resource.ts';
import { SPEC_SCHEMAS } from './schemas/spec-schemas.ts';

const text = readFileSync(new URL('./testdata/istio-examples.yaml', import.meta.url), 'utf8');
const documents = parseDocuments(text);
if (!documents.ok) throw new Error(`examples do not parse: ${JSON.stringify(documents.errors)}`);
const manifests = documents.value as { apiVersion: string; kind: KindName; metadata: { name: string; namespace?: string }; spec: unknown }[];

describe('Istio documentation manifests', () => {
  it('cover every kind', () => {
    expect(new Set(manifests.map((m) => m.kind))).toEqual(new Set(KIND_NAMES));
  });

  for (const version of ACCEPTED_VERSIONS) {
    describe(`as ${version}`, () => {
      for (const manifest of manifests.filter((m) => (KIND_VERSIONS[m.kind] ?? ACCEPTED_VERSIONS).includes(version))) {
        it(`accepts ${manifest.kind} ${manifest.metadata.name} unchanged, or rejects it only for unsupported fields`, () => {
          const input = structuredClone({ ...manifest, apiVersion: `${KINDS[manifest.kind].group}/${version}` });
          const result = parseResource(input);
          if (!result.ok) {
            expect(result.errors.map((e) => e.message)).toEqual(result.errors.map(() => expect.stringContaining('unsupported')));
            return;
          }
          expect(result.value.spec).toEqual(manifest.spec);
          expect(result.value.apiVersion).toBe(`${KINDS[manifest.kind].group}/v1`);
          expect(result.value.metadata.namespace).toBe(manifest.metadata.namespace ?? 'default');
        });
      }
    });
  }

  it('form a mesh without cross-resource errors', () => {
    const parsed = manifests.map((m) => parseResource(m)).flatMap((r) => (r.ok ? [r.value] : []));
    // Manifests using fields listed in unsupported.ts are refused; the rest must still form a mesh.
    expect(parsed.length).toBeGreaterThan(manifests.length / 2);
    expect(validateMeshConfig(parsed)).toEqual([]);
  });
});

describe('schemas for OpenAPI', () => {
  for (const kind of KIND_NAMES) {
    it(`${kind} spec and envelope serialise to JSON Schema`, () => {
      const spec = z.toJSONSchema(SPEC_SCHEMAS[kind]) as { $ref?: string; $defs?: Record<string, { additionalProperties?: unknown }> };
      expect(spec.$defs?.[`${kind}Spec`]?.additionalProperties).toBe(false);
      const envelope = z.toJSONSchema(resourceSchema(kind)) as { $defs?: Record<string, unknown> };
      expect(envelope.$defs).toHaveProperty(envelopeSchemaId(kind));
      expect(envelope.$defs).toHaveProperty('ObjectMeta');
    });
  }
});
