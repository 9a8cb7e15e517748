import { OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { checkCsr } from '../../core/ca/csr.ts';
import { CertificateAuthorityUnavailableError } from '../../core/ca/errors.ts';
import { DEFAULT_CERTIFICATE_TTL_SECONDS } from '../../core/mesh/mesh-settings.ts';
import { ForbiddenError, TrellisError, UnauthorizedError, ValidationError } from '../../core/errors.ts';
import type { ApiEnv } from '../context.ts';
import type { ApiDependencies, CertificateIssuing } from '../dependencies.ts';
import { fieldErrors } from '../body.ts';
import { documented, ProblemSchema, problemResponses, unavailableResponses } from '../openapi.ts';
import { badRequest, HttpProblemError } from '../problem.ts';
import { meshName } from './meshes.ts';
import { requireIssuing } from './certificate-issuing.ts';
import { authenticateWorkload, type CredentialTrace, type WorkloadCredential } from './workload-credential.ts';
import { AttestationVerifier } from '../attestation/attested-credential.ts';
import { ATTESTATION_DESCRIPTION } from '../attestation/attestation-description.ts';

const CertificateRequestSchema = z
  .strictObject({
    csr: z.string().describe('PKCS#10 CSR, PEM (EC P-256/P-384 or RSA >= 2048). Its subject and SANs are ignored except that a URI SAN, if present, must equal the identity of the credential.'),
    ttlSeconds: z.number().int().min(60).optional().describe('Requested lifetime; capped by the mesh setting certificates.maxTtlSeconds (default 24 h)'),
  })
  .meta({ id: 'CertificateRequest' });

const IssuedCertificateSchema = z
  .object({
    certificateChain: z.string().describe('PEM, leaf first'),
    trustBundle: z.string().describe('PEM, every trusted root (two during a root rotation)'),
    spiffeId: z.string(),
    expiresAt: z.string(),
    serialNumber: z.string(),
  })
  .meta({ id: 'IssuedCertificate' });

const DESCRIPTION = `The identity comes from the credential, never from the CSR.

**First certificate**: \`Authorization: Bearer <join token>\` (from POST /v1/meshes/{mesh}/join-tokens). Each token is accepted once.

**Renewal** (no join token, no TLS termination needed): \`Authorization: TrellisCert chain=<b64url DER leaf>[.<b64url DER intermediate>], ts=<unix seconds>, sig=<b64url signature>\`.
The signature is made with the private key of the current certificate over the bytes
\`"trellis-cert-v1\\n" + METHOD + "\\n" + path + "\\n" + ts + "\\n" + base64url(SHA-256(request body))\`
(ECDSA with SHA-256, DER-encoded; or RSASSA-PKCS1-v1_5 with SHA-256). The certificate must chain to the current trust bundle, be
within its validity period, carry one SPIFFE ID of this mesh's trust domain, and \`ts\` must be within 300 s of the server clock. The new certificate carries the same SPIFFE ID.

${ATTESTATION_DESCRIPTION}`;

function requestedIdentityProblem(names: { type: string; value: string }[], spiffeId: string): string | undefined {
  const other = names.find((n) => n.type !== 'url' || n.value !== spiffeId);
  if (!other) return undefined;
  return `the CSR asks for ${other.type === 'url' ? other.value : `${other.type} name ${other.value}`}, but the credential is for ${spiffeId}`;
}

async function parseBody(text: string): Promise<z.infer<typeof CertificateRequestSchema>> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ValidationError('The body is not JSON.', [{ path: '(root)', message: 'must be a JSON object { "csr": "<PEM>" }' }], { cause: err });
  }
  const parsed = CertificateRequestSchema.safeParse(json);
  if (!parsed.success) throw new ValidationError('The body is not valid.', fieldErrors(parsed.error));
  return parsed.data;
}

async function issueFor(deps: ApiDependencies, issuing: CertificateIssuing, who: WorkloadCredential, text: string) {
  const body = await parseBody(text);
  const csr = await checkCsr(body.csr);
  const mismatch = requestedIdentityProblem(csr.requestedNames, who.spiffeId);
  if (mismatch) throw new ForbiddenError(`Identity mismatch: ${mismatch}.`);
  const configured = (who.mesh.settings.certificates as { maxTtlSeconds?: unknown } | undefined)?.maxTtlSeconds;
  const maxTtl = typeof configured === 'number' ? configured : DEFAULT_CERTIFICATE_TTL_SECONDS;
  const ttlSeconds = Math.min(body.ttlSeconds ?? maxTtl, maxTtl);
  const owner = await issuing.ledger.claimTrustDomain(who.trustDomain, { tenantId: who.tenantId, mesh: who.mesh.name });
  if (owner.tenantId !== who.tenantId || owner.mesh !== who.mesh.name) {
    throw new ForbiddenError(`Trust domain ${who.trustDomain} already belongs to another mesh; choose another trustDomain in the mesh settings.`);
  }
  if (who.token && !(await issuing.ledger.consumeOnce(who.tenantId, who.token.id, who.token.expiresAt))) {
    throw new UnauthorizedError('The join token has already been used; each token pays for one certificate. Renew with the certificate, or ask for a new token.');
  }
  try {
    return await issuing.ca.issue({ csrPem: body.csr, spiffeId: who.spiffeId, ttlSeconds });
  } catch (err) {
    if (err instanceof CertificateAuthorityUnavailableError) throw new HttpProblemError(503, 'CA unavailable', 'The certificate authority is busy; retry shortly.', undefined, { 'retry-after': '2' });
    throw err;
  }
}

const reasonOf = (err: unknown) => (err instanceof TrellisError ? err.message : 'internal error');

export function certificateRoutes(deps: ApiDependencies): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>();
  documented(app, {
    method: 'post',
    path: '/v1/meshes/{mesh}/certificates',
    summary: 'Issue a workload certificate (X.509-SVID) for a CSR',
    description: DESCRIPTION,
    security: [{ joinToken: [] }, { trellisCert: [] }, { eksToken: [] }, { awsSts: [] }],
    request: { params: z.object({ mesh: z.string() }), body: { content: { 'application/json': { schema: CertificateRequestSchema } } } },
    responses: {
      201: { description: 'Issued', content: { 'application/json': { schema: IssuedCertificateSchema } } },
      ...problemResponses,
      403: { description: 'The credential does not entitle to this identity or mesh', content: { 'application/problem+json': { schema: ProblemSchema } } },
      ...unavailableResponses,
    },
  });
  documented(app, {
    method: 'get',
    path: '/v1/meshes/{mesh}/trust-bundle',
    summary: 'The roots workloads must trust (two during a root rotation); public, no credential',
    security: [],
    request: { params: z.object({ mesh: z.string() }) },
    responses: { 200: { description: 'PEM bundle', content: { 'application/x-pem-file': { schema: z.string() } } }, 400: problemResponses[400], ...unavailableResponses },
  });
  // Public: roots are not secret, and agents poll this to learn a new root before leaves signed by it reach them.
  app.get('/v1/meshes/:mesh/trust-bundle', async (c) => {
    meshName(c.req.param('mesh'));
    const bundle = await requireIssuing(deps).ca.trustBundle();
    return c.body(bundle, 200, { 'content-type': 'application/x-pem-file', 'cache-control': 'max-age=30' });
  });

  const attestation = deps.certificates ? new AttestationVerifier(deps, deps.certificates) : undefined;
  app.post('/v1/meshes/:mesh/certificates', async (c) => {
    const issuing = requireIssuing(deps);
    const mesh = meshName(c.req.param('mesh'));
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') throw new HttpProblemError(415, 'Unsupported media type', 'Send the body as application/json.');
    const text = await c.req.text();
    if (text.trim() === '') throw badRequest('The request body is empty; send { "csr": "<PEM>" }.');
    const trace: CredentialTrace = { kind: 'none' };
    const audit = (outcome: 'issued' | 'refused', extra: { reason?: string; serialNumber?: string; notAfter?: string }) =>
      issuing.ledger.audit({ at: deps.now().toISOString(), mesh, credential: trace.kind, outcome, requestId: c.get('requestId'), ...(trace.tenantId ? { tenantId: trace.tenantId } : {}), ...(trace.tokenId ? { tokenId: trace.tokenId } : {}), ...(trace.spiffeId ? { spiffeId: trace.spiffeId } : {}), ...(trace.serialNumber ? { serialNumber: trace.serialNumber } : {}), ...(trace.subject ? { subject: trace.subject } : {}), ...extra });
    let issued;
    try {
      const who = await authenticateWorkload(deps, issuing, { authorization: c.req.header('authorization'), meshName: mesh, method: c.req.method, path: c.req.path, body: text, tenant: c.req.header('trellis-tenant') }, trace, attestation);
      issued = await issueFor(deps, issuing, who, text);
    } catch (err) {
      await audit('refused', { reason: reasonOf(err) }).catch((auditErr: unknown) => c.get('logger').error({ err: auditErr }, 'audit entry not written'));
      c.get('logger').warn({ mesh, credential: trace.kind, tenant: trace.tenantId, reason: reasonOf(err) }, 'certificate refused');
      throw err;
    }
    // An issuance that cannot be audited is not handed out.
    await audit('issued', { serialNumber: issued.serialNumber, notAfter: issued.notAfter.toISOString() });
    c.get('logger').info({ mesh, tenant: trace.tenantId, spiffeId: trace.spiffeId, serial: issued.serialNumber, credential: trace.kind }, 'certificate issued');
    return c.json({ certificateChain: issued.certificateChainPem, trustBundle: issued.trustBundlePem, spiffeId: trace.spiffeId!, expiresAt: issued.notAfter.toISOString(), serialNumber: issued.serialNumber }, 201);
  });
  return app;
}
