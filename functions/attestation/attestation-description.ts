import { ATTESTATION_BINDING_HEADER, STS_BODY, STS_REQUEST_MAX_AGE_SECONDS } from '../../core/identity/attestation/signed-sts-request.ts';

/** The attestation part of the certificate API's description (OpenAPI). */
export const ATTESTATION_DESCRIPTION = `**Platform attestation** (first certificate without a join token). Send \`Trellis-Tenant: <tenant id>\` (default \`default\`):
the platform's proof is checked against the trust sources that tenant registered for the mesh
(\`/v1/meshes/{mesh}/attestation/...\`), and the identity comes from what the platform attested.

- **EKS**: \`Authorization: EksToken <projected service-account token>\`. The JWT (RS256 or ES256) must be issued by a registered
  cluster's \`issuer\`, verify against its JWKS, carry its \`audience\`, be within \`exp\`/\`nbf\`/\`iat\` (60 s skew), and name
  \`sub: system:serviceaccount:<namespace>:<service account>\` — that namespace (which must be in the cluster's \`namespaces\`, if set)
  and service account form the SPIFFE ID.
- **ECS**: \`Authorization: AwsSts <base64url(JSON { method, url, headers, body })>\`: an STS GetCallerIdentity request
  (\`POST\`, body \`${STS_BODY}\`) SigV4-signed with the task role's credentials, whose signed headers include \`host\`,
  \`x-amz-date\` (within ${STS_REQUEST_MAX_AGE_SECONDS} s) and \`${ATTESTATION_BINDING_HEADER}: v1 tenant=<tenant> mesh=<mesh> body-sha256=<base64url SHA-256 of this request's body>\`.
  Trellis sends it to STS (only to https://sts[.<region>].amazonaws.com, or the deployment's configured endpoint), takes the
  \`assumed-role\` ARN STS answers with, and gives the namespace and service account registered for that role. Each signed request is accepted once.`;
