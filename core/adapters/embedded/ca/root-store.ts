import { chmod, link, mkdir, open, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { CertificateAuthorityError } from '../../../ca/errors.ts';
import { x509 } from '../../../ca/x509.ts';
import { importRootKey } from './root-authority.ts';
import type { RootAuthority } from './root-authority.ts';

/** Which roots are in use: `active` signs; `previous` stays trusted until it is retired. */
export interface RootState {
  active: string;
  previous: string | null;
}

const STATE_FILE = 'roots.json';
const keyFile = (id: string) => `root-${id}.key.pem`;
const certFile = (id: string) => `root-${id}.cert.pem`;
const ROOT_ID = /^[0-9a-f]{16}$/;

/** Creates the directory owner-only; tightens it if it already existed wider. */
export async function prepareDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
}

/** Writes a file completely (fsynced) before it becomes visible under its name. */
async function writeDurably(file: string, data: string, mode: number, exclusive: boolean): Promise<void> {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  const handle = await open(tmp, 'wx', mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  if (!exclusive) return rename(tmp, file);
  // Exclusive publish: a hard link fails with EEXIST instead of replacing another process's file.
  try {
    await link(tmp, file);
  } finally {
    await unlink(tmp);
  }
}

export async function saveRoot(dir: string, root: RootAuthority, privateKeyPkcs8: ArrayBuffer): Promise<void> {
  const keyPem = x509.PemConverter.encode(privateKeyPkcs8, 'PRIVATE KEY');
  await writeDurably(path.join(dir, keyFile(root.id)), keyPem, 0o600, true);
  await writeDurably(path.join(dir, certFile(root.id)), root.certificate.toString('pem'), 0o644, true);
}

export async function loadRoot(dir: string, id: string): Promise<RootAuthority> {
  if (!ROOT_ID.test(id)) throw new CertificateAuthorityError(`${path.join(dir, STATE_FILE)} names an invalid root id`);
  const keyPath = path.join(dir, keyFile(id));
  const { mode } = await stat(keyPath);
  // Like ssh: a CA key others can read is already compromised, so refuse rather than quietly fix it.
  if ((mode & 0o077) !== 0) throw new CertificateAuthorityError(`${keyPath} is readable by others (mode ${(mode & 0o777).toString(8)}); chmod 600 it`);
  try {
    const [keyPem, certPem] = await Promise.all([readFile(keyPath, 'utf8'), readFile(path.join(dir, certFile(id)), 'utf8')]);
    const [der] = x509.PemConverter.decode(keyPem);
    if (!der) throw new Error('no PEM block in key file');
    return { id, certificate: new x509.X509Certificate(certPem), privateKey: await importRootKey(der) };
  } catch (err) {
    throw new CertificateAuthorityError(`cannot load CA root ${id} from ${dir}`, { cause: err });
  }
}

export async function deleteRoot(dir: string, id: string): Promise<void> {
  await rm(path.join(dir, keyFile(id)), { force: true });
  await rm(path.join(dir, certFile(id)), { force: true });
}

export async function readState(dir: string): Promise<RootState | undefined> {
  let text: string;
  try {
    text = await readFile(path.join(dir, STATE_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const state = JSON.parse(text) as RootState;
    if (typeof state.active !== 'string' || (state.previous !== null && typeof state.previous !== 'string')) throw new Error('bad shape');
    return { active: state.active, previous: state.previous };
  } catch (err) {
    throw new CertificateAuthorityError(`${path.join(dir, STATE_FILE)} is corrupt`, { cause: err });
  }
}

/** `create` publishes the first state and fails with EEXIST if another process got there first. */
export async function writeState(dir: string, state: RootState, create: boolean): Promise<void> {
  await writeDurably(path.join(dir, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`, 0o600, create);
}
