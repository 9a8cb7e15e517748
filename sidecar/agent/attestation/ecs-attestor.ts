import { GetCallerIdentityCommand, STSClient, type STSClientConfig } from '@aws-sdk/client-sts';
import { ATTESTATION_BINDING_HEADER, attestationBinding, encodeStsCredential } from '../../../core/identity/attestation/signed-sts-request.ts';
import type { Attestor } from '../certificate-client.ts';

export interface EcsAttestorOptions {
  tenantId: string;
  /** Default AWS_REGION / AWS_DEFAULT_REGION (ECS sets them), else us-east-1. */
  region?: string;
  /** STS endpoint to sign for (default: the region's public endpoint; an emulator in tests). */
  endpoint?: string;
  /** Default: the SDK's chain, which on ECS reads the task role from the container credentials endpoint. */
  credentials?: STSClientConfig['credentials'];
}

interface SignedHttpRequest {
  method: string;
  protocol: string;
  hostname: string;
  port?: number;
  path: string;
  headers: Record<string, string>;
  body?: unknown;
}

/** Thrown by the request handler to stop the SDK after signing: the request is handed to Trellis, not sent. */
class SignedRequestCaptured extends Error {
  constructor(readonly request: SignedHttpRequest) {
    super('signed request captured');
  }
}

/**
 * Signs an STS GetCallerIdentity request with the task role's credentials, bound to this tenant,
 * mesh and request body, and hands it to Trellis, which sends it to STS: the credentials stay here.
 */
export function ecsAttestor(options: EcsAttestorOptions): Attestor {
  const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  return {
    kind: 'ecs',
    tenantId: options.tenantId,
    async authorization({ mesh, body }) {
      const client = new STSClient({
        region,
        maxAttempts: 1,
        ...(options.endpoint ? { endpoint: options.endpoint } : {}),
        ...(options.credentials ? { credentials: options.credentials } : {}),
        requestHandler: {
          handle: async (request: SignedHttpRequest) => {
            throw new SignedRequestCaptured(request);
          },
        },
      });
      const binding = attestationBinding({ tenantId: options.tenantId, mesh, body });
      // Added before signing (build step), so the signature covers it.
      client.middlewareStack.add(
        (next) => async (args) => {
          (args.request as SignedHttpRequest).headers[ATTESTATION_BINDING_HEADER] = binding;
          return next(args);
        },
        { step: 'build', name: 'trellisAttestationBinding' },
      );
      try {
        await client.send(new GetCallerIdentityCommand({}));
      } catch (err) {
        if (!(err instanceof SignedRequestCaptured)) throw err;
        const r = err.request;
        const url = `${r.protocol}//${r.hostname}${r.port ? `:${r.port}` : ''}${r.path}`;
        return `AwsSts ${encodeStsCredential({ method: r.method, url, headers: r.headers, body: String(r.body ?? '') })}`;
      } finally {
        client.destroy();
      }
      throw new Error('the STS request was sent instead of captured');
    },
  };
}
