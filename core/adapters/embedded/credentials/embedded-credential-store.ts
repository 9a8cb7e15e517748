import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { requireCredentialPlace } from '../../../credentials/credential-place.ts';
import type { CredentialStore, StoredCredential, TlsCredentialMaterial, TlsCredentialMetadata } from '../../../credentials/credential-store.ts';

/** One credential on disk: metadata and certificates in the clear, the private key sealed with AES-256-GCM. */
interface CredentialFile {
  metadata: TlsCredentialMetadata;
  certificateChain: string;
  caCertificates?: string;
  sealedKey: { iv: string; tag: string; data: string };
}

const KEY_FILE = 'credentials.key';

async function writePrivate(file: string, data: string | Buffer, exclusive = false): Promise<void> {
  const handle = await open(file, exclusive ? 'wx' : 'w', 0o600);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** The data key, created once (0600) beside the records; two processes starting together agree on the first written. */
async function loadOrCreateKey(dir: string): Promise<Buffer> {
  const file = path.join(dir, KEY_FILE);
  try {
    await writePrivate(file, randomBytes(32), true);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const key = await readFile(file);
  if (key.length !== 32) throw new Error(`${file} is not a 32-byte key`);
  return key;
}

/**
 * Local mode's CredentialStore: one JSON file per credential under
 * `<dir>/<tenant>/<mesh>/<namespace>/<name>.json` (owner-only), private keys encrypted by a
 * key kept in `<dir>/credentials.key`; the key's location binds tenant, mesh, namespace and name
 * (GCM additional data), so a record copied elsewhere does not decrypt. Every part of a path is
 * checked to be a DNS label before it becomes one.
 */
export class EmbeddedCredentialStore implements CredentialStore {
  private constructor(
    private readonly dir: string,
    private readonly key: Buffer,
  ) {}

  static async open(options: { dir: string }): Promise<EmbeddedCredentialStore> {
    await mkdir(options.dir, { recursive: true, mode: 0o700 });
    return new EmbeddedCredentialStore(options.dir, await loadOrCreateKey(options.dir));
  }

  private meshDir(tenantId: string, mesh: string): string {
    requireCredentialPlace({ tenantId, mesh });
    return path.join(this.dir, tenantId, mesh);
  }

  private file(tenantId: string, mesh: string, namespace: string, name: string): string {
    requireCredentialPlace({ tenantId, mesh, namespace, name });
    return path.join(this.meshDir(tenantId, mesh), namespace, `${name}.json`);
  }

  private seal(aad: string, privateKey: string): CredentialFile['sealedKey'] {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv).setAAD(Buffer.from(aad));
    const data = Buffer.concat([cipher.update(privateKey, 'utf8'), cipher.final()]);
    return { iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
  }

  private open(aad: string, sealed: CredentialFile['sealedKey']): string {
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(sealed.iv, 'base64')).setAAD(Buffer.from(aad));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]).toString('utf8');
  }

  private async read(file: string): Promise<CredentialFile | undefined> {
    try {
      return JSON.parse(await readFile(file, 'utf8')) as CredentialFile;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async put(tenantId: string, mesh: string, credential: StoredCredential): Promise<{ created: boolean }> {
    const { namespace, name } = credential.metadata;
    const file = this.file(tenantId, mesh, namespace, name);
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    const existed = (await this.read(file)) !== undefined;
    const record: CredentialFile = {
      metadata: credential.metadata,
      certificateChain: credential.material.certificateChain,
      ...(credential.material.caCertificates !== undefined ? { caCertificates: credential.material.caCertificates } : {}),
      sealedKey: this.seal(`${tenantId}/${mesh}/${namespace}/${name}`, credential.material.privateKey),
    };
    const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    await writePrivate(tmp, JSON.stringify(record));
    await rename(tmp, file);
    return { created: !existed };
  }

  async get(tenantId: string, mesh: string, namespace: string, name: string): Promise<TlsCredentialMetadata | undefined> {
    return (await this.read(this.file(tenantId, mesh, namespace, name)))?.metadata;
  }

  private async records(tenantId: string, mesh: string): Promise<CredentialFile[]> {
    const root = this.meshDir(tenantId, mesh);
    const namespaces = await readdir(root).catch(() => [] as string[]);
    const found: CredentialFile[] = [];
    for (const ns of namespaces.sort()) {
      // Sorted by name, not file name: "a-b.json" sorts before "a.json", yet "a" comes before "a-b".
      const names = (await readdir(path.join(root, ns)).catch(() => [] as string[])).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length)).sort();
      for (const name of names) {
        const record = await this.read(path.join(root, ns, `${name}.json`));
        if (record) found.push(record);
      }
    }
    return found;
  }

  async list(tenantId: string, mesh: string): Promise<TlsCredentialMetadata[]> {
    return (await this.records(tenantId, mesh)).map((r) => r.metadata);
  }

  async delete(tenantId: string, mesh: string, namespace: string, name: string): Promise<boolean> {
    const file = this.file(tenantId, mesh, namespace, name);
    if (!(await this.read(file))) return false;
    await rm(file, { force: true });
    return true;
  }

  async deleteMesh(tenantId: string, mesh: string): Promise<void> {
    await rm(this.meshDir(tenantId, mesh), { recursive: true, force: true });
  }

  async materials(tenantId: string, mesh: string): Promise<Map<string, TlsCredentialMaterial>> {
    const result = new Map<string, TlsCredentialMaterial>();
    for (const r of await this.records(tenantId, mesh)) {
      const { namespace, name } = r.metadata;
      result.set(`${namespace}/${name}`, {
        certificateChain: r.certificateChain,
        privateKey: this.open(`${tenantId}/${mesh}/${namespace}/${name}`, r.sealedKey),
        ...(r.caCertificates !== undefined ? { caCertificates: r.caCertificates } : {}),
      });
    }
    return result;
  }
}
