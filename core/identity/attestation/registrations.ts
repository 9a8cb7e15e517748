import { z } from 'zod';
import { isDnsLabel } from '../dns-label.ts';

/** Key of the mesh settings document under which trust sources are kept (not writable through PUT /v1/meshes). */
export const ATTESTATION_SETTINGS_KEY = 'attestation';
export const DEFAULT_EKS_AUDIENCE = 'trellis';
/** A JWKS with more keys than this is not a cluster's signing keys. */
export const MAX_JWKS_KEYS = 20;

const dnsLabel = (what: string) => z.string().refine(isDnsLabel, `${what} must be a DNS label (lower-case letters, digits and '-', at most 63)`);

const httpsUrl = z
  .string()
  .max(512)
  .refine((v) => {
    try {
      const u = new URL(v);
      return u.protocol === 'https:' && u.username === '' && u.password === '' && u.hash === '';
    } catch {
      return false;
    }
  }, 'must be an https URL without credentials or fragment');

const LOOPBACK_HTTP = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\//;
/** https; plain http only to loopback, which deployments refuse to fetch unless configured to (tests). */
const keysUrl = z.union([httpsUrl, z.string().max(512).regex(LOOPBACK_HTTP)], { error: 'must be an https URL' });

const JwkSchema = z.looseObject({ kty: z.enum(['RSA', 'EC']), kid: z.string().max(256).optional(), use: z.string().optional(), alg: z.string().optional() });

export const EksClusterInputSchema = z
  .strictObject({
    issuer: httpsUrl.describe("The cluster's OIDC issuer (`aws eks describe-cluster --query cluster.identity.oidc.issuer`); the token's `iss` must equal it"),
    jwks: z
      .strictObject({ keys: z.array(JwkSchema).min(1).max(MAX_JWKS_KEYS) })
      .optional()
      .describe('The issuer\'s signing keys inline (the JSON of `kubectl get --raw /openid/v1/jwks`)'),
    jwksUri: keysUrl.optional().describe('Where to fetch the signing keys instead (`<issuer>/keys` on EKS); fetched with a timeout and cached'),
    audience: z.string().min(1).max(256).default(DEFAULT_EKS_AUDIENCE).describe('The `aud` the projected token must carry (the `audience` of the projected volume)'),
    namespaces: z.array(dnsLabel('a namespace')).min(1).max(200).optional().describe('Only these namespaces may join; all when absent'),
  })
  .refine((v) => (v.jwks === undefined) !== (v.jwksUri === undefined), { message: 'give exactly one of jwks and jwksUri', path: ['jwks'] })
  .meta({ id: 'EksClusterRegistrationInput' });

export type EksClusterInput = z.infer<typeof EksClusterInputSchema>;

/** `arn:<partition>:iam::<12-digit account>:role/[<path>/]<name>` */
export const ROLE_ARN = /^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):role\/((?:[\w+=,.@-]+\/)*)([\w+=,.@-]{1,64})$/;

export const EcsRoleInputSchema = z
  .strictObject({
    roleArn: z.string().max(2048).regex(ROLE_ARN, 'must be an IAM role ARN: arn:aws:iam::<account>:role/<name>').describe('The task role of the ECS tasks that may join'),
    namespace: dnsLabel('namespace').describe('Namespace of the identity the tasks get'),
    serviceAccount: dnsLabel('serviceAccount').describe('Service account of the identity the tasks get'),
  })
  .meta({ id: 'EcsRoleRegistrationInput' });

export type EcsRoleInput = z.infer<typeof EcsRoleInputSchema>;

interface Stamped {
  name: string;
  createdAt: string;
  updatedAt: string;
}
export type EksClusterRegistration = EksClusterInput & Stamped;
export type EcsRoleRegistration = EcsRoleInput & Stamped;

/** Every trust source of one mesh, as kept in its settings document. */
export interface AttestationRegistry {
  eksClusters: Record<string, EksClusterRegistration>;
  ecsRoles: Record<string, EcsRoleRegistration>;
}

export type RegistryKind = keyof AttestationRegistry;

/** The registry of a mesh's settings; empty when none was ever registered. */
export function readRegistry(settings: Record<string, unknown>): AttestationRegistry {
  const stored = settings[ATTESTATION_SETTINGS_KEY] as Partial<AttestationRegistry> | undefined;
  return { eksClusters: { ...stored?.eksClusters }, ecsRoles: { ...stored?.ecsRoles } };
}

/** The role a role ARN names, ignoring its path (an assumed-role ARN carries none). */
export function roleKey(roleArn: string): string | undefined {
  const m = ROLE_ARN.exec(roleArn);
  return m ? `${m[1]}:${m[2]}:${m[4]}` : undefined;
}

export function findEksCluster(registry: AttestationRegistry, issuer: string): EksClusterRegistration | undefined {
  return Object.values(registry.eksClusters).find((c) => c.issuer === issuer);
}

export function findEcsRole(registry: AttestationRegistry, key: string): EcsRoleRegistration | undefined {
  return Object.values(registry.ecsRoles).find((r) => roleKey(r.roleArn) === key);
}
