import { z } from 'zod';
import { parseResource } from '../core/resources/index.ts';
import { classifyDocument, foreignName } from '../core/resources/document-kinds.ts';
import { dnsLabelProblem } from '../core/resources/formats/names.ts';
import { keyOf, keyString, type IstioResource } from '../core/resources/resource.ts';
import { ValidationError } from '../core/errors.ts';
import type { FieldError } from '../core/result.ts';

export const SkippedSchema = z
  .object({
    index: z.number().int().describe('Position of the document in the body, from 0'),
    apiVersion: z.string(),
    kind: z.string(),
    name: z.string().optional(),
    namespace: z.string().optional(),
  })
  .meta({ id: 'SkippedObject', description: 'An object that is not mesh configuration (a Deployment, a Service, a Gateway API object…), left out by `ignoreUnknownKinds=true`.' });

export type Skipped = z.infer<typeof SkippedSchema>;

/** What the query of an apply asks for besides dry run and strictness. */
export interface ApplyDocumentOptions {
  /** Namespace of objects that name none (`?namespace=`); `default` when absent. */
  namespace?: string;
  /** Skip (and list) objects Trellis does not manage instead of refusing the apply. */
  ignoreUnknownKinds: boolean;
}

/** `?namespace=` checked as a DNS label; a bad one is a 400 naming the parameter. */
export function namespaceParam(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const problem = dnsLabelProblem(value, 'namespace');
  if (problem) throw new ValidationError('namespace is not a valid namespace name.', [{ path: 'namespace', message: problem }]);
  return value;
}

export function ignoreUnknownKindsParam(value: string | undefined): boolean {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw new ValidationError('ignoreUnknownKinds must be true or false.', [{ path: 'ignoreUnknownKinds', message: 'must be true or false' }]);
}

/**
 * The documents of an apply as validated Istio resources, all or nothing: objects Trellis does not
 * manage are refused (or skipped with `ignoreUnknownKinds`), Istio kinds it does not serve are always
 * refused, and every other problem is reported with the document's index.
 */
export function readApplyDocuments(docs: readonly unknown[], options: ApplyDocumentOptions): { resources: IstioResource[]; seen: Map<string, number>; skipped: Skipped[] } {
  const errors: FieldError[] = [];
  const resources: IstioResource[] = [];
  const skipped: Skipped[] = [];
  const seen = new Map<string, number>();
  docs.forEach((doc, i) => {
    const sort = classifyDocument(doc);
    if (sort.class === 'foreign') {
      const { class: _class, ...what } = sort;
      if (options.ignoreUnknownKinds) skipped.push({ index: i, ...what });
      else errors.push({ path: `[${i}].kind`, message: `${foreignName(sort)} (${sort.apiVersion}) is not mesh configuration Trellis manages; remove it, or pass ignoreUnknownKinds=true to skip it` });
      return;
    }
    const parsed = parseResource(doc, options.namespace !== undefined ? { defaultNamespace: options.namespace } : {});
    if (!parsed.ok) {
      errors.push(...parsed.errors.map((e) => ({ path: `[${i}].${e.path}`, message: e.message })));
      return;
    }
    const k = keyString(keyOf(parsed.value));
    const first = seen.get(k);
    if (first !== undefined) {
      errors.push({ path: `[${i}].metadata.name`, message: `${k} appears twice (also document [${first}])` });
      return;
    }
    seen.set(k, i);
    resources.push(parsed.value);
  });
  if (errors.length > 0) throw new ValidationError(`${errors.length} problem(s) in the applied documents; nothing was stored.`, errors);
  return { resources, seen, skipped };
}
