import { X509Certificate, type KeyObject } from 'node:crypto';
import { TrellisError } from '../../core/errors.ts';
import { signCertificateRequest } from '../../core/identity/certificate-auth.ts';
import { httpRequest, type HttpResponse } from './http-request.ts';
import { chainDer } from './certificate-chain.ts';

/** A certificate as the agent keeps it. */
export interface WorkloadCertificate {
  certificateChainPem: string;
  trustBundlePem: string;
  spiffeId: string;
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
}

/** A refused or failed request; `retryable` tells a control plane that is away from a credential that will never work. */
export class CertificateRequestError extends TrellisError {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Proves the workload's platform identity (EKS token, ECS task role) for a first certificate. */
export interface Attestor {
  readonly kind: 'eks' | 'ecs';
  /** Whose registered trust sources the proof is checked against (`Trellis-Tenant`). */
  readonly tenantId: string;
  /** The Authorization header for this request (ECS binds it to the mesh and body). */
  authorization(request: { mesh: string; body: string }): Promise<string>;
}

export type Credential = { joinToken: string } | { attestor: Attestor } | { current: WorkloadCertificate; privateKey: KeyObject };

async function attestationHeaders(attestor: Attestor, mesh: string, body: string): Promise<Record<string, string>> {
  try {
    return { authorization: await attestor.authorization({ mesh, body }), 'trellis-tenant': attestor.tenantId };
  } catch (err) {
    // The platform's credentials may not be there yet (ECS credentials endpoint, kubelet token): retry.
    throw new CertificateRequestError(`no ${attestor.kind.toUpperCase()} attestation: ${(err as Error).message}`, true, undefined, { cause: err });
  }
}

export interface CertificateRequest {
  apiUrl: string;
  mesh: string;
  csrPem: string;
  credential: Credential;
  ttlSeconds?: number;
  now: () => Date;
  timeoutMs?: number;
}

/** POST /v1/meshes/{mesh}/certificates with a join token, a platform attestation, or (renewal) the current certificate. */
export async function requestCertificate(r: CertificateRequest): Promise<WorkloadCertificate> {
  const path = `/v1/meshes/${encodeURIComponent(r.mesh)}/certificates`;
  const body = JSON.stringify({ csr: r.csrPem, ...(r.ttlSeconds ? { ttlSeconds: r.ttlSeconds } : {}) });
  const credential = r.credential;
  const headers =
    'joinToken' in credential
      ? { authorization: `Bearer ${credential.joinToken}` }
      : 'attestor' in credential
        ? await attestationHeaders(credential.attestor, r.mesh, body)
        : { authorization: signCertificateRequest({ method: 'POST', path, timestamp: Math.floor(r.now().getTime() / 1000), body, chainDer: chainDer(credential.current.certificateChainPem), privateKey: credential.privateKey }) };
  let res: HttpResponse;
  try {
    res = await httpRequest(new URL(path, r.apiUrl), { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body, timeoutMs: r.timeoutMs ?? 10_000 });
  } catch (err) {
    throw new CertificateRequestError(`the Trellis API at ${r.apiUrl} is unreachable`, true, undefined, { cause: err });
  }
  const text = res.text;
  if (res.status !== 201) {
    let detail = text.slice(0, 500);
    try {
      detail = (JSON.parse(text) as { detail?: string }).detail ?? detail;
    } catch {
      // not problem+json: keep the text
    }
    // 4xx (but 408/429) means this credential or CSR will not work however often it is sent.
    const retryable = res.status >= 500 || res.status === 408 || res.status === 429;
    throw new CertificateRequestError(`certificate request refused (${res.status}): ${detail}`, retryable, res.status);
  }
  const issued = JSON.parse(text) as { certificateChain: string; trustBundle: string; spiffeId: string; serialNumber: string; expiresAt: string };
  const leaf = new X509Certificate(issued.certificateChain);
  return {
    certificateChainPem: issued.certificateChain,
    trustBundlePem: issued.trustBundle,
    spiffeId: issued.spiffeId,
    serialNumber: issued.serialNumber,
    notBefore: new Date(leaf.validFrom),
    notAfter: new Date(leaf.validTo),
  };
}

/** GET /v1/meshes/{mesh}/trust-bundle: the roots to trust now (public, no credential). */
export async function fetchTrustBundle(apiUrl: string, mesh: string, timeoutMs = 5000): Promise<string> {
  const res = await httpRequest(new URL(`/v1/meshes/${encodeURIComponent(mesh)}/trust-bundle`, apiUrl), { timeoutMs });
  if (res.status !== 200) throw new CertificateRequestError(`trust bundle request answered ${res.status}`, res.status >= 500, res.status);
  const pem = res.text;
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new CertificateRequestError('the trust bundle is not PEM', false, res.status);
  return pem;
}
