import { ConflictError } from '../../../errors.ts';
import type { CertificateAuthority, IssueRequest, IssuedCertificate } from '../../../ca/certificate-authority.ts';
import { checkIssueRequest } from '../../../ca/issue-request.ts';
import { signLeaf } from './leaf-certificate.ts';
import { createRootAuthority } from './root-authority.ts';
import type { RootAuthority } from './root-authority.ts';
import { deleteRoot, loadRoot, prepareDir, readState, saveRoot, writeState } from './root-store.ts';

export interface EmbeddedCaOptions {
  /** Holds the roots' keys and certificates; created with mode 0700. */
  dir: string;
  now?: () => Date;
}

/** The local CA, plus the root rotation the port does not need to know about. */
export interface EmbeddedCertificateAuthority extends CertificateAuthority {
  /** The root that signs new certificates. */
  activeRoot(): RootAuthority;
  /** Creates a new signing root; the old one stays in the trust bundle until `retireOldRoot()` (ConflictError if one is still there). */
  rotateRoot(): Promise<void>;
  /** Drops the previous root from the bundle and deletes its key. Leaves it signed stop verifying. */
  retireOldRoot(): Promise<void>;
}

interface Roots {
  active: RootAuthority;
  previous: RootAuthority | null;
}

async function newRoot(dir: string, now: Date): Promise<RootAuthority> {
  const { root, privateKeyPkcs8 } = await createRootAuthority(now);
  await saveRoot(dir, root, privateKeyPkcs8);
  return root;
}

async function loadOrCreateRoots(dir: string, now: Date): Promise<Roots> {
  const existing = await readState(dir);
  if (existing) {
    return { active: await loadRoot(dir, existing.active), previous: existing.previous ? await loadRoot(dir, existing.previous) : null };
  }
  const active = await newRoot(dir, now);
  try {
    await writeState(dir, { active: active.id, previous: null }, true);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // Another process created the CA at the same moment: use its root, discard ours.
    await deleteRoot(dir, active.id);
    return loadOrCreateRoots(dir, now);
  }
  return { active, previous: null };
}

/** Opens the CA kept under `dir`, creating an ECDSA P-256 root on first use and reusing it after. */
export async function openEmbeddedCa({ dir, now = () => new Date() }: EmbeddedCaOptions): Promise<EmbeddedCertificateAuthority> {
  await prepareDir(dir);
  let roots = await loadOrCreateRoots(dir, now());
  // Rotation and retirement rewrite shared files: run them one at a time.
  let admin: Promise<unknown> = Promise.resolve();
  const serially = <T>(task: () => Promise<T>): Promise<T> => {
    const run = admin.then(task, task);
    admin = run.catch(() => undefined);
    return run;
  };
  const bundle = (): string => [roots.active, roots.previous].flatMap((r) => (r ? [r.certificate.toString('pem')] : [])).join('\n');

  return {
    activeRoot: () => roots.active,

    async issue(request: IssueRequest): Promise<IssuedCertificate> {
      const checked = await checkIssueRequest(request);
      const signer = roots.active;
      const trustBundlePem = bundle();
      const leaf = await signLeaf({ root: signer, publicKey: checked.csr.publicKey, spiffeId: checked.spiffeId, ttlSeconds: checked.ttlSeconds, now: now() });
      return {
        certificateChainPem: `${leaf.toString('pem')}\n`,
        trustBundlePem: `${trustBundlePem}\n`,
        serialNumber: leaf.serialNumber,
        notBefore: leaf.notBefore,
        notAfter: leaf.notAfter,
      };
    },

    async trustBundle(): Promise<string> {
      return `${bundle()}\n`;
    },

    rotateRoot: () =>
      serially(async () => {
        // A second rotation would silently drop the oldest root and break every leaf it signed.
        if (roots.previous) throw new ConflictError(`root ${roots.previous.id} is still trusted; retire it before rotating again`);
        const active = await newRoot(dir, now());
        await writeState(dir, { active: active.id, previous: roots.active.id }, false);
        roots = { active, previous: roots.active };
      }),

    retireOldRoot: () =>
      serially(async () => {
        const previous = roots.previous;
        if (!previous) return;
        await writeState(dir, { active: roots.active.id, previous: null }, false);
        roots = { active: roots.active, previous: null };
        await deleteRoot(dir, previous.id);
      }),
  };
}
