import { z } from 'zod';
import { ExtensionProvidersSchema } from './extension-providers.ts';
import { checkDefaultProviders } from './default-providers.ts';
import { DefaultProvidersSchema } from './telemetry-providers.ts';
import { RegistrySourcesSchema } from './registry-sources.ts';

/** Mesh names are DNS labels: they appear in trust domains and resource names. */
export const MESH_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Settings of one mesh (`PUT /v1/meshes/{mesh}` body). Every field has a safe default. */
export const MeshSettingsSchema = z
  .strictObject({
    trustDomain: z
      .string()
      .max(253)
      .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a lower-case DNS name')
      .optional()
      .describe('SPIFFE trust domain; defaults to <mesh>.<tenant>.trellis.local'),
    outboundTrafficPolicy: z
      .strictObject({ mode: z.enum(['ALLOW_ANY', 'REGISTRY_ONLY']) })
      .optional()
      .describe('What sidecars do with traffic to hosts outside the registry; default ALLOW_ANY'),
    certificates: z
      .strictObject({
        maxTtlSeconds: z.number().int().min(60).max(30 * 86_400).optional(),
      })
      .optional()
      .describe('Upper bound for workload certificate lifetimes; default 24 h'),
    onNack: z
      .strictObject({
        action: z.enum(['alert', 'rollback']),
        /** Share of a revision's proxies that must reject it before it is rolled back. */
        threshold: z.number().min(0).max(1).optional(),
      })
      .optional()
      .describe('What Trellis does when proxies reject a revision; default alert'),
    extensionProviders: ExtensionProvidersSchema.optional().describe('External authorizers (envoyExtAuthzHttp, envoyExtAuthzGrpc) AuthorizationPolicies with action CUSTOM name, and telemetry backends (envoyFileAccessLog, envoyOtelAls, zipkin, opentelemetry, prometheus) Telemetry resources name'),
    defaultProviders: DefaultProvidersSchema.optional(),
    registrySources: RegistrySourcesSchema.optional(),
  })
  .superRefine(checkDefaultProviders)
  .meta({ id: 'MeshSettings', description: 'Mesh-wide settings.' });

export type MeshSettingsInput = z.infer<typeof MeshSettingsSchema>;

export const DEFAULT_CERTIFICATE_TTL_SECONDS = 86_400;
