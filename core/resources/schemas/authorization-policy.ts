import { z } from 'zod';
import { WorkloadSelector } from './shared/labels.ts';
import { PolicyTargetReference } from './shared/target-ref.ts';

const strings = z.array(z.string()).optional();

const Source = z.strictObject({
  principals: strings,
  notPrincipals: strings,
  requestPrincipals: strings,
  notRequestPrincipals: strings,
  namespaces: strings,
  notNamespaces: strings,
  serviceAccounts: z.array(z.string().max(320)).max(16).optional(),
  notServiceAccounts: z.array(z.string().max(320)).max(16).optional(),
  ipBlocks: strings,
  notIpBlocks: strings,
  remoteIpBlocks: strings,
  notRemoteIpBlocks: strings,
  trustDomains: strings,
  notTrustDomains: strings,
});

const Operation = z.strictObject({
  hosts: strings,
  notHosts: strings,
  ports: strings,
  notPorts: strings,
  methods: strings,
  notMethods: strings,
  paths: strings,
  notPaths: strings,
});

const Condition = z.strictObject({
  key: z.string().min(1, { message: 'condition key must not be empty' }),
  values: strings,
  notValues: strings,
});

const Rule = z.strictObject({
  from: z.array(z.strictObject({ source: Source.optional() })).max(512).optional(),
  to: z.array(z.strictObject({ operation: Operation.optional() })).optional(),
  when: z.array(Condition).optional(),
});

export const AuthorizationPolicySpec = z
  .strictObject({
    selector: WorkloadSelector.optional(),
    targetRef: PolicyTargetReference.optional(),
    targetRefs: z.array(PolicyTargetReference).max(16).optional(),
    rules: z.array(Rule).max(512).optional(),
    action: z.enum(['ALLOW', 'DENY', 'AUDIT', 'CUSTOM']).optional(),
    provider: z.strictObject({ name: z.string().optional() }).optional(),
  })
  .meta({ id: 'AuthorizationPolicySpec', description: 'Access control for workloads: who may do what, under which conditions (security.istio.io AuthorizationPolicy).' });

export type AuthorizationPolicySpec = z.infer<typeof AuthorizationPolicySpec>;
