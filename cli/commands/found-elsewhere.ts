import { ApiError, type ApiClient } from '../api-client.ts';
import type { StoredResource } from '../api-types.ts';
import { CliError } from '../cli-error.ts';
import { ExitCode } from '../exit-codes.ts';

/**
 * Reads one object; when it is not in `namespace` but exists in others, says where instead of a bare 404
 * (`not found in namespace a; found in b, c — use -n`). `base` is the kind's collection path.
 */
export async function getInNamespace(client: ApiClient, base: string, kind: string, namespace: string, name: string): Promise<StoredResource> {
  try {
    return await client.get<StoredResource>(`${base}/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`);
  } catch (err) {
    // A missing mesh is a 404 too; only a missing object is worth looking for elsewhere.
    if (!(err instanceof ApiError && err.status === 404) || /Mesh "/.test(err.message)) throw err;
    const elsewhere = (await client.list<StoredResource>(base).catch(() => []))
      .filter((r) => r.metadata.name === name && r.metadata.namespace !== namespace)
      .map((r) => r.metadata.namespace)
      .sort();
    if (elsewhere.length === 0) throw err;
    throw new CliError(`${kind} "${name}" not found in namespace ${namespace}; found in ${elsewhere.join(', ')} — use -n`, ExitCode.NotFound, {
      hint: `\`trellis get ${kind.toLowerCase()} ${name} -n ${elsewhere[0]}\``,
    });
  }
}
