import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseDocuments } from '../../core/resources/documents.ts';
import { CliError, usageError } from '../cli-error.ts';
import { ExitCode } from '../exit-codes.ts';

/** One document of the input and where it came from (for messages). */
export interface Manifest {
  doc: unknown;
  source: string;
}

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/** Files of a directory, recursively, in name order (like `kubectl apply -f DIR -R`). */
function filesIn(dir: string, depth = 0): string[] {
  if (depth > 32) throw usageError(`${dir} is nested too deeply`);
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((e) => {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) return filesIn(full, depth + 1);
      return e.isFile() && MANIFEST_EXTENSIONS.has(path.extname(e.name).toLowerCase()) ? [full] : [];
    });
}

function parseSource(text: string, source: string): Manifest[] {
  const parsed = parseDocuments(text);
  if (!parsed.ok) {
    throw new CliError(`${source} is not valid YAML or JSON`, ExitCode.Validation, { fieldErrors: parsed.errors.map((e) => ({ path: e.path ? `${source}: ${e.path}` : source, message: e.message })) });
  }
  return parsed.value.map((doc, i) => ({ doc, source: parsed.value.length > 1 ? `${source}#${i + 1}` : source }));
}

/** Every document of `-f` arguments: files, directories (recursively) and `-` for stdin. */
export async function readManifests(paths: readonly string[], stdin: () => Promise<string> = readStdin): Promise<Manifest[]> {
  if (paths.length === 0) throw usageError('no input: pass -f FILE, -f DIR or -f -');
  const manifests: Manifest[] = [];
  for (const p of paths) {
    if (p === '-') {
      manifests.push(...parseSource(await stdin(), '<stdin>'));
      continue;
    }
    let stat;
    try {
      stat = statSync(p);
    } catch {
      throw usageError(`${p} does not exist`);
    }
    const files = stat.isDirectory() ? filesIn(p) : [p];
    if (stat.isDirectory() && files.length === 0) throw usageError(`${p} holds no .yaml, .yml or .json files`);
    for (const file of files) manifests.push(...parseSource(readFileSync(file, 'utf8'), file));
  }
  if (manifests.length === 0) throw usageError(`no documents in ${paths.join(', ')}`);
  return manifests;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A readable identity of a document, for messages: `VirtualService shop/reviews`. */
export function describeDoc(doc: unknown, defaultNamespace = 'default'): { kind: string; name: string; namespace: string } | undefined {
  if (typeof doc !== 'object' || doc === null) return undefined;
  const d = doc as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } };
  if (typeof d.kind !== 'string' || typeof d.metadata?.name !== 'string') return undefined;
  return { kind: d.kind, name: d.metadata.name, namespace: typeof d.metadata.namespace === 'string' ? d.metadata.namespace : defaultNamespace };
}
