import type { ApiClient } from '../api-client.ts';
import { ApiError, meshPath } from '../api-client.ts';
import type { ApplyResult } from '../api-types.ts';
import { CliError } from '../cli-error.ts';
import { describeDoc, type Manifest } from './read-manifests.ts';

/** Rewrites the API's `[i].spec…` paths to name the file and object they came from. */
export function attributeErrors(err: ApiError, manifests: readonly Manifest[]): CliError {
  if (err.fieldErrors.length === 0) return err;
  const fieldErrors = err.fieldErrors.map((e) => {
    const m = /^\[(\d+)\]\.?(.*)$/.exec(e.path);
    const manifest = m ? manifests[Number(m[1])] : undefined;
    if (!m || !manifest) return e;
    const id = describeDoc(manifest.doc);
    return { path: m[2] || '(document)', message: `${e.message} (${manifest.source}${id ? `, ${id.kind} ${id.namespace}/${id.name}` : ''})` };
  });
  return new CliError(err.message, err.exitCode, { fieldErrors, ...(err.hint ? { hint: err.hint } : {}) });
}

/** `POST /v1/meshes/{mesh}/apply` with every document, as one JSON list (all or nothing). */
export async function postApply(client: ApiClient, mesh: string, manifests: readonly Manifest[], options: { dryRun: boolean; message?: string }): Promise<ApplyResult> {
  try {
    const res = await client.request<ApplyResult>('POST', meshPath(mesh, '/apply'), {
      query: options.dryRun ? { dryRun: 'true' } : {},
      body: manifests.map((m) => m.doc),
      ...(options.message ? { headers: { 'x-trellis-change-message': options.message } } : {}),
    });
    return res.body;
  } catch (err) {
    throw err instanceof ApiError ? attributeErrors(err, manifests) : err;
  }
}
