import { NodeMetadataSchema, type NodeMetadata } from '../../core/proxies/node-metadata.ts';
import { envoyBootstrapYaml, type BootstrapOptions } from '../bootstrap/envoy-bootstrap.ts';

/** What `trellis-agent run` checks and renders once before it starts: the workload description and its Envoy bootstrap. */
export interface WorkloadSetupInput {
  metadata: Record<string, unknown>;
  bootstrap: Omit<BootstrapOptions, 'metadata'>;
}

/** The validated metadata and the bootstrap YAML, or one line per bad field (`  PATH: message`). */
export type WorkloadSetup = { ok: true; metadata: NodeMetadata; bootstrapYaml: string } | { ok: false; problems: string[] };

export function workloadSetup(input: WorkloadSetupInput): WorkloadSetup {
  const parsed = NodeMetadataSchema.safeParse(input.metadata);
  if (!parsed.success) return { ok: false, problems: parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`) };
  return { ok: true, metadata: parsed.data, bootstrapYaml: envoyBootstrapYaml({ ...input.bootstrap, metadata: parsed.data }) };
}
