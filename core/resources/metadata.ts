import { z } from 'zod';
import { dnsLabelProblem, qualifiedNameProblem } from './formats/names.ts';
import { Labels } from './schemas/shared/labels.ts';

// Kubernetes' limit on the total size of a resource's annotations.
const MAX_ANNOTATIONS_BYTES = 256 * 1024;

const DnsLabel = (what: string) =>
  z.string().superRefine((value, ctx) => {
    const problem = dnsLabelProblem(value, what);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** Annotation keys are qualified names; all of them together at most 256 KiB. */
export const Annotations = z.record(z.string(), z.string()).superRefine((annotations, ctx) => {
  let bytes = 0;
  for (const [key, value] of Object.entries(annotations)) {
    const problem = qualifiedNameProblem(key);
    if (problem) ctx.addIssue({ code: 'custom', path: [key], message: problem });
    bytes += Buffer.byteLength(key) + Buffer.byteLength(value);
  }
  if (bytes > MAX_ANNOTATIONS_BYTES) {
    ctx.addIssue({ code: 'custom', message: `annotations total ${bytes} bytes; the limit is ${MAX_ANNOTATIONS_BYTES}` });
  }
});

/**
 * Object metadata as users write it. Fields the Kubernetes API server fills in
 * (`kubectl get -o yaml` output) are accepted so such output can be re-applied; only
 * `resourceVersion` survives parsing.
 */
export const ObjectMetaSchema = z
  .strictObject({
    name: DnsLabel('name'),
    namespace: DnsLabel('namespace').optional(),
    labels: Labels.optional(),
    annotations: Annotations.optional(),
    resourceVersion: z.string().max(128).optional(),
    uid: z.string().optional(),
    creationTimestamp: z.string().nullable().optional(),
    generation: z.int().optional(),
    managedFields: z.array(z.record(z.string(), z.unknown())).optional(),
    selfLink: z.string().optional(),
  })
  .meta({ id: 'ObjectMeta', description: 'name and namespace (DNS-1123 labels; namespace defaults to "default"), labels, annotations.' });

/** Server-populated metadata fields that are accepted on input and dropped. */
export const DROPPED_METADATA_FIELDS = ['uid', 'creationTimestamp', 'generation', 'managedFields', 'selfLink'] as const;
