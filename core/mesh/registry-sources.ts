import { z } from 'zod';
import { DNS1123_LABEL_MAX, dnsLabelProblem, labelValueProblem, qualifiedNameProblem } from '../resources/formats/names.ts';

/** Cloud Map names: a namespace is a DNS or HTTP namespace name, a service a DNS-style name (App Mesh allows `_`). */
const cloudMapNamespace = z.string().min(1).max(253).regex(/^[A-Za-z0-9_]([-A-Za-z0-9_.]*[A-Za-z0-9_])?$/, 'must be a Cloud Map namespace name (letters, digits, "-", "_", ".")');
const cloudMapService = z.string().min(1).max(127).regex(/^[A-Za-z0-9_]([-A-Za-z0-9_.]*[A-Za-z0-9_])?$/, 'must be a Cloud Map service name (letters, digits, "-", "_", ".")');

const problem = (check: (v: string) => string | undefined) => (value: string, ctx: z.RefinementCtx) => {
  const message = check(value);
  if (message) ctx.addIssue({ code: 'custom', message });
};

const labels = z.record(z.string(), z.string().superRefine(problem(labelValueProblem))).superRefine((l, ctx) => {
  const keys = Object.keys(l);
  if (keys.length > 64) ctx.addIssue({ code: 'custom', message: `${keys.length} labels; at most 64` });
  for (const key of keys) {
    const message = qualifiedNameProblem(key);
    if (message) ctx.addIssue({ code: 'custom', path: [key], message: `label ${message}` });
  }
});

export const CloudMapSourceSchema = z.strictObject({
  cloudMapNamespace: cloudMapNamespace.describe('The Cloud Map namespace, e.g. colorapp.local'),
  service: cloudMapService.describe('The Cloud Map service whose instances are workloads'),
  namespace: z.string().superRefine(problem((v) => dnsLabelProblem(v, 'namespace'))).describe('The mesh namespace the instances belong to'),
  labels: labels.optional().describe('Labels every instance gets besides its attributes (what ServiceEntries select)'),
  portNames: z
    .array(z.string().min(1).max(DNS1123_LABEL_MAX).superRefine(problem((v) => dnsLabelProblem(v, 'port name'))))
    .max(32)
    .optional()
    .describe('Service port names AWS_INSTANCE_PORT serves; none: the instances serve the service ports themselves'),
});

export const CloudMapSettingsSchema = z
  .strictObject({
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region, e.g. eu-west-1').optional().describe("The sources' region; default the xds-server's"),
    roleArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, 'must be an IAM role ARN, e.g. arn:aws:iam::123456789012:role/trellis-cloud-map')
      .optional()
      .describe("The tenant's role the xds-server assumes to read Cloud Map (external ID: the tenant id); default the xds-server's own credentials"),
    periodSeconds: z.number().int().min(5).max(3600).optional().describe('Time between polls; default 30 s (entries live three periods)'),
    sources: z.array(CloudMapSourceSchema).min(1).max(100),
  })
  .superRefine((s, ctx) => {
    const seen = new Set<string>();
    s.sources.forEach((source, i) => {
      const key = `${source.cloudMapNamespace}/${source.service}`;
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path: ['sources', i], message: `Cloud Map service ${key} is named twice` });
      seen.add(key);
    });
  });

export const RegistrySourcesSchema = z
  .strictObject({ cloudMap: CloudMapSettingsSchema.optional() })
  .describe('Where the workload registry gets endpoints besides connected proxies: Cloud Map services, polled by the xds-server');

export type CloudMapSettings = z.infer<typeof CloudMapSettingsSchema>;
