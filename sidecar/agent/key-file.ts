import { chmod, open, readFile, rename, stat } from 'node:fs/promises';
import { generateWorkloadKey, importWorkloadKey, type WorkloadKey } from '../../core/ca/workload-key.ts';
import { TrellisError } from '../../core/errors.ts';

/** The key kept in a 0600 file (when asked for): loaded if there, created if not. */
export async function loadOrCreateKeyFile(file: string): Promise<WorkloadKey> {
  try {
    const { mode } = await stat(file);
    if ((mode & 0o077) !== 0) throw new TrellisError(`${file} is readable by others (mode ${(mode & 0o777).toString(8)}); chmod 600 it`);
    return await importWorkloadKey(await readFile(file, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const key = await generateWorkloadKey();
  await writeKeyFile(file, key);
  return key;
}

/** Replaces the key file atomically, never readable by others. */
export async function writeKeyFile(file: string, key: WorkloadKey): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  const handle = await open(tmp, 'w', 0o600);
  try {
    await handle.writeFile(key.privateKeyPem);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await chmod(tmp, 0o600);
  await rename(tmp, file);
}
