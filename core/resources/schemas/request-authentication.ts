import { z } from 'zod';
import { Duration } from './shared/duration.ts';
import { WorkloadSelector } from './shared/labels.ts';
import { PolicyTargetReference } from './shared/target-ref.ts';

const nonEmpty = z.string().min(1, { message: 'must not be empty' });
const JwksUri = z.url({ protocol: /^https?$/, message: 'must be an http:// or https:// URL' }).max(2048);

const JWTRule = z.strictObject({
  issuer: z.string().optional(),
  audiences: z.array(nonEmpty).optional(),
  jwksUri: JwksUri.optional(),
  // Legacy snake_case spelling that Istio's CRD still accepts.
  jwks_uri: JwksUri.optional(),
  jwks: z.string().optional(),
  fromHeaders: z.array(z.strictObject({ name: nonEmpty, prefix: z.string().optional() })).optional(),
  fromParams: z.array(nonEmpty).optional(),
  fromCookies: z.array(nonEmpty).optional(),
  outputPayloadToHeader: z.string().optional(),
  forwardOriginalToken: z.boolean().optional(),
  outputClaimToHeaders: z
    .array(
      z.strictObject({
        header: z.string().regex(/^[-_A-Za-z0-9]+$/, { message: 'header must contain only letters, digits, "-" and "_"' }),
        claim: nonEmpty,
      }),
    )
    .optional(),
  spaceDelimitedClaims: z.array(nonEmpty).max(64).optional(),
  timeout: Duration.optional(),
});

export const RequestAuthenticationSpec = z
  .strictObject({
    selector: WorkloadSelector.optional(),
    targetRef: PolicyTargetReference.optional(),
    targetRefs: z.array(PolicyTargetReference).max(16).optional(),
    jwtRules: z.array(JWTRule).max(4096).optional(),
  })
  .meta({ id: 'RequestAuthenticationSpec', description: 'Which JWTs a workload accepts and how they are verified (security.istio.io RequestAuthentication).' });

export type RequestAuthenticationSpec = z.infer<typeof RequestAuthenticationSpec>;
