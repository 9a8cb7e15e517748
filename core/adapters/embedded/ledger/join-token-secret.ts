import { randomBytes } from 'node:crypto';
import { chmod, open, readFile, stat } from 'node:fs/promises';
import { TrellisError } from '../../../errors.ts';
import { MIN_JOIN_TOKEN_SECRET_BYTES } from '../../../identity/join-token.ts';

/**
 * The HMAC secret that signs join tokens, kept in `file` (mode 0600) and created on first use.
 * Losing it only invalidates outstanding tokens; certificates already issued stay valid.
 */
export async function loadOrCreateJoinTokenSecret(file: string): Promise<Buffer> {
  try {
    const handle = await open(file, 'wx', 0o600);
    try {
      await handle.writeFile(randomBytes(MIN_JOIN_TOKEN_SECRET_BYTES).toString('base64') + '\n');
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const { mode } = await stat(file);
  if ((mode & 0o077) !== 0) await chmod(file, 0o600);
  const secret = Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');
  if (secret.length < MIN_JOIN_TOKEN_SECRET_BYTES) throw new TrellisError(`${file} does not hold a join token secret of ${MIN_JOIN_TOKEN_SECRET_BYTES} bytes`);
  return secret;
}
