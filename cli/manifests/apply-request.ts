import type { ApiClient } from '../api-client.ts';
import { ApiError, meshPath } from '../api-client.ts';
import type { ApplyResult } from '../api-types.ts';
import { CliError } from '../cli-error.ts';
import { describeDoc, type Manifest } from './read-manifests.ts';

/** `[i].spec…` from the API as the field path plus the file and object it came from. */
export function attributePath(path: string, manifests: readonly Manifest[]): { path: string; origin?: string } {
  const m = /^\[(\d+)\]\.?(.*)$/.exec(path);
  const manifest = m ? manifests[Number(m[1])] : undefined;
  if (!m || !manifest) return { path };
  const id = describeDoc(manifest.doc);
  return { path: m[2] || '(document)', origin: `${manifest.source}${id ? `, ${id.kind} ${id.namespace}/${id.name}` : ''}` };
}

/** `document [j]` in an API message (a duplicate's first occurrence) as the file it came from. */
function nameDocuments(message: string, manifests: readonly Manifest[]): string {
  return message.replace(/\bdocument \[(\d+)\]/g, (text, j: string) => {
    const source = manifests[Number(j)]?.source;
    return source ? source : text;
  });
}

/** Rewrites the API's `[i].spec…` paths to name the file and object they came from, and the files its messages point at. */
export function attributeErrors(err: ApiError, manifests: readonly Manifest[]): CliError {
  if (err.fieldErrors.length === 0) return err;
  const fieldErrors = err.fieldErrors.map((e) => {
    const at = attributePath(e.path, manifests);
    const message = nameDocuments(e.message, manifests);
    return at.origin ? { path: at.path, message: `${message} (${at.origin})` } : { ...e, message };
  });
  return new CliError(err.message, err.exitCode, { fieldErrors, ...(err.hint ? { hint: err.hint } : {}) });
}

function attributeWarnings(result: ApplyResult, manifests: readonly Manifest[]): ApplyResult {
  if (!result.warnings?.length) return result;
  return {
    ...result,
    warnings: result.warnings.map((w) => {
      if (!w.path) return w;
      const at = attributePath(w.path, manifests);
      return at.origin ? { ...w, path: at.path, message: `${w.message} (${at.origin})` } : w;
    }),
  };
}

/** `POST /v1/meshes/{mesh}/apply` with every document, as one JSON list (all or nothing). */
export async function postApply(client: ApiClient, mesh: string, manifests: readonly Manifest[], options: { dryRun: boolean; message?: string; namespace?: string }): Promise<ApplyResult> {
  try {
    const res = await client.request<ApplyResult>('POST', meshPath(mesh, '/apply'), {
      query: { ...(options.dryRun ? { dryRun: 'true' } : {}), ...(options.namespace !== undefined ? { namespace: options.namespace } : {}) },
      body: manifests.map((m) => m.doc),
      ...(options.message ? { headers: { 'x-trellis-change-message': options.message } } : {}),
    });
    return attributeWarnings(res.body, manifests);
  } catch (err) {
    throw err instanceof ApiError ? attributeErrors(err, manifests) : err;
  }
}
