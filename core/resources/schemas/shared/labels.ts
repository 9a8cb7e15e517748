import { z } from 'zod';
import { labelValueProblem, qualifiedNameProblem } from '../../formats/names.ts';

/** Kubernetes-style labels: qualified keys, short values. */
export const Labels = z.record(z.string(), z.string()).superRefine((labels, ctx) => {
  for (const [key, value] of Object.entries(labels)) {
    const keyProblem = qualifiedNameProblem(key);
    if (keyProblem) ctx.addIssue({ code: 'custom', path: [key], message: keyProblem });
    const valueProblem = labelValueProblem(value);
    if (valueProblem) ctx.addIssue({ code: 'custom', path: [key], message: valueProblem });
  }
});

/** Labels used to select workloads: like Labels, and no wildcards. */
export const SelectorLabels = Labels.superRefine((labels, ctx) => {
  for (const [key, value] of Object.entries(labels)) {
    if (key.includes('*') || value.includes('*')) {
      ctx.addIssue({ code: 'custom', path: [key], message: 'wildcards are not supported in label selectors' });
    }
  }
});

/** `{ matchLabels }`, the selector of DestinationRule and the security kinds. */
export const WorkloadSelector = z.strictObject({ matchLabels: SelectorLabels.optional() }).meta({ id: 'WorkloadSelector' });

/** `{ labels }`, the selector of Sidecar and ServiceEntry. */
export const WorkloadLabelSelector = z.strictObject({ labels: SelectorLabels.optional() });
