import { classifyDocument, foreignName } from '../../core/resources/document-kinds.ts';
import { CliError } from '../cli-error.ts';
import { ExitCode } from '../exit-codes.ts';
import type { Manifest } from './read-manifests.ts';

/** An object of the input that is not mesh configuration (a Deployment, a Service, a Gateway API kind…). */
export interface ForeignObject {
  source: string;
  kind: string;
  apiVersion: string;
  name: string;
}

/**
 * Splits the input into what the API manages and what it does not. Istio kinds Trellis does not
 * serve stay in `managed`, so the API refuses them by name rather than the CLI skipping them.
 */
export function partitionManifests(manifests: readonly Manifest[]): { managed: Manifest[]; foreign: ForeignObject[] } {
  const managed: Manifest[] = [];
  const foreign: ForeignObject[] = [];
  for (const m of manifests) {
    const sort = classifyDocument(m.doc);
    if (sort.class === 'foreign') foreign.push({ source: m.source, kind: sort.kind, apiVersion: sort.apiVersion, name: foreignName(sort) });
    else managed.push(m);
  }
  return { managed, foreign };
}

/** `skipped 3 objects Trellis does not manage: Deployment/reviews-v1, Service/reviews, …` */
export function skippedLine(foreign: readonly ForeignObject[]): string {
  return `skipped ${foreign.length} object${foreign.length === 1 ? '' : 's'} Trellis does not manage: ${foreign.map((f) => f.name).join(', ')}`;
}

/** `--strict-kinds`: the foreign objects as a validation failure, each with the file it came from. */
export function strictKindsError(foreign: readonly ForeignObject[]): CliError {
  return new CliError(`${foreign.length} object${foreign.length === 1 ? '' : 's'} Trellis does not manage (--strict-kinds)`, ExitCode.Validation, {
    fieldErrors: foreign.map((f) => ({ path: f.source, message: `${f.name} (${f.apiVersion}) is not mesh configuration Trellis manages` })),
    hint: 'remove them from the input, or drop --strict-kinds to skip them',
  });
}
