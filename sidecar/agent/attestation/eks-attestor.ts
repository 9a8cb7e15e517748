import { readFile } from 'node:fs/promises';
import type { Attestor } from '../certificate-client.ts';

/** Where the injector mounts the projected service-account token (audience `trellis`). */
export const DEFAULT_EKS_TOKEN_PATH = '/var/run/secrets/trellis/token';

/** Presents the pod's projected service-account token; read on every request because kubelet rotates it. */
export function eksAttestor(options: { tenantId: string; tokenPath?: string }): Attestor {
  const tokenPath = options.tokenPath ?? DEFAULT_EKS_TOKEN_PATH;
  return {
    kind: 'eks',
    tenantId: options.tenantId,
    async authorization() {
      const token = (await readFile(tokenPath, 'utf8')).trim();
      if (token === '') throw new Error(`the service-account token file ${tokenPath} is empty`);
      return `EksToken ${token}`;
    },
  };
}

/** What the token says about itself (unverified: it only fills defaults; the API verifies it). */
export function serviceAccountOfToken(token: string): { namespace?: string; serviceAccount?: string } {
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { sub?: unknown };
    const m = typeof claims.sub === 'string' ? /^system:serviceaccount:([^:]+):([^:]+)$/.exec(claims.sub) : null;
    return m ? { namespace: m[1]!, serviceAccount: m[2]! } : {};
  } catch {
    return {};
  }
}
