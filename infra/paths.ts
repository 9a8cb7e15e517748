import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: asset and bundling paths are resolved from here, whatever the working directory. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** A path inside the repository. */
export const repoPath = (relative: string): string => path.join(REPO_ROOT, relative);
