import type { FieldError } from '../../result.ts';
import { emptyInventory, type AppMeshInventory } from '../inventory.ts';
import { DEFAULT_IMPORT_LIMITS, type ImportLimits } from './limits.ts';
import { parseText } from './parse-text.ts';
import { readCloudFormation, isTemplate } from './read-cloudformation.ts';
import { readDescribeOutput } from './read-describe.ts';
import { createSink } from './sink.ts';

/** One input file: its name (for messages) and its text. */
export interface InputDocument {
  name: string;
  text: string;
}

export interface ReadOptions {
  limits?: Partial<ImportLimits>;
  /** CloudFormation parameter values (and pseudo parameters such as `AWS::Region`) over the template's defaults. */
  parameters?: Readonly<Record<string, string>>;
}

/**
 * Reads App Mesh resources from the JSON of describe-* and list-* calls, bundles of them, and CloudFormation/CDK
 * templates (JSON or YAML). Every problem comes back with `file:path`; nothing throws.
 */
export function readAppMeshInput(documents: readonly InputDocument[], options: ReadOptions = {}): { ok: true; value: AppMeshInventory } | { ok: false; errors: FieldError[] } {
  const limits: ImportLimits = { ...DEFAULT_IMPORT_LIMITS, ...options.limits };
  const sink = createSink(emptyInventory(), limits);
  if (documents.length === 0) return { ok: false, errors: [{ path: '', message: 'no input documents' }] };
  if (documents.length > limits.maxDocuments) return { ok: false, errors: [{ path: '', message: `${documents.length} documents; the limit is ${limits.maxDocuments}` }] };
  let total = 0;
  for (const doc of documents) {
    const bytes = Buffer.byteLength(doc.text, 'utf8');
    total += bytes;
    if (bytes > limits.maxBytesPerDocument) {
      sink.errors.push({ path: doc.name, message: `${bytes} bytes; the limit per document is ${limits.maxBytesPerDocument}` });
      continue;
    }
    if (total > limits.maxTotalBytes) {
      sink.errors.push({ path: doc.name, message: `the input exceeds ${limits.maxTotalBytes} bytes in total` });
      break;
    }
    const parsed = parseText(doc.text, limits.maxDepth);
    if (!parsed.ok) {
      sink.errors.push({ path: `${doc.name}:${parsed.error.path || '$'}`, message: parsed.error.message });
      continue;
    }
    if (isTemplate(parsed.value)) readCloudFormation(parsed.value, doc.name, sink, options.parameters ?? {});
    else readDescribeOutput(parsed.value, doc.name, [], sink);
  }
  return sink.errors.length > 0 ? { ok: false, errors: sink.errors } : { ok: true, value: sink.inventory };
}
