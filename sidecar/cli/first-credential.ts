import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { Attestor } from '../agent/certificate-client.ts';
import { DEFAULT_EKS_TOKEN_PATH, eksAttestor, serviceAccountOfToken } from '../agent/attestation/eks-attestor.ts';

/** What pays for the first certificate, and the scope it suggests for the node metadata. */
export interface FirstCredential {
  joinToken?: string;
  attestor?: Attestor;
  /** Defaults for the metadata only: the API derives the identity itself. */
  scope: Record<string, string>;
}

/**
 * `--join-token`/`--join-token-file`/TRELLIS_JOIN_TOKEN, or `--attest eks|ecs`; exactly one.
 * The ECS attestor (the AWS SDK, megabytes of code) is imported only when asked for.
 */
export async function firstCredential(opts: Record<string, unknown>, cmd: Command): Promise<FirstCredential> {
  const token = (typeof opts.joinTokenFile === 'string' ? readFileSync(opts.joinTokenFile, 'utf8').trim() : undefined) ?? (opts.joinToken as string | undefined) ?? process.env.TRELLIS_JOIN_TOKEN;
  const tenantId = opts.tenant as string;
  if (opts.attest === 'eks') {
    const tokenPath = (opts.tokenPath as string | undefined) ?? DEFAULT_EKS_TOKEN_PATH;
    let claims: { namespace?: string; serviceAccount?: string } = {};
    try {
      claims = serviceAccountOfToken(readFileSync(tokenPath, 'utf8').trim());
    } catch {
      // Not mounted yet: the attestor reads it again on every request; flags fill the metadata.
    }
    return { attestor: eksAttestor({ tenantId, tokenPath }), scope: { tenant: tenantId, ...claims } };
  }
  if (opts.attest === 'ecs') {
    if (!opts.namespace || !opts.serviceAccount) cmd.error('error: --attest ecs needs --namespace and --service-account (the identity registered for the task role)', { exitCode: 2 });
    const { ecsAttestor } = await import('../agent/attestation/ecs-attestor.ts');
    return { attestor: ecsAttestor({ tenantId, ...(typeof opts.stsEndpoint === 'string' ? { endpoint: opts.stsEndpoint } : {}) }), scope: { tenant: tenantId } };
  }
  if (!token) cmd.error('error: a join token (--join-token, --join-token-file or TRELLIS_JOIN_TOKEN) or --attest eks|ecs is required', { exitCode: 2 });
  return { joinToken: token!, scope: {} };
}
