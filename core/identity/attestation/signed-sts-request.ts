import { createHash } from 'node:crypto';
import { fail, ok } from '../../result.ts';
import type { Result } from '../../result.ts';

/**
 * A SigV4-signed STS GetCallerIdentity request, made by the workload with its task credentials
 * and handed to Trellis to send: STS answers with the caller's ARN only if the signature is good.
 */
export interface SignedStsRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** Signed header binding the request to one tenant mesh and one certificate request body. */
export const ATTESTATION_BINDING_HEADER = 'x-trellis-attestation';
export const STS_BODY = 'Action=GetCallerIdentity&Version=2011-06-15';
/** A signed request older or newer than this (by its X-Amz-Date) is refused. */
export const STS_REQUEST_MAX_AGE_SECONDS = 300;
/** Bounds what is decoded and forwarded. */
export const MAX_STS_CREDENTIAL_LENGTH = 8192;
const MAX_HEADERS = 24;

/** The public STS endpoints: global and regional (commercial, China, GovCloud), always https. */
const AWS_STS_HOST = /^sts(\.[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d)?\.amazonaws\.com(\.cn)?$/;

export function isAwsStsEndpoint(url: URL): boolean {
  return url.protocol === 'https:' && url.port === '' && AWS_STS_HOST.test(url.hostname);
}

/** The value the binding header must have: what the request is for, and a hash of its body. */
export function attestationBinding(input: { tenantId: string; mesh: string; body: string }): string {
  const digest = createHash('sha256').update(input.body).digest('base64url');
  return `v1 tenant=${input.tenantId} mesh=${input.mesh} body-sha256=${digest}`;
}

/** `Authorization: AwsSts <base64url(JSON)>` carries the signed request. */
export function encodeStsCredential(request: SignedStsRequest): string {
  return Buffer.from(JSON.stringify(request)).toString('base64url');
}

const problem = (message: string) => fail<never>([{ path: 'stsRequest', message }]);

export function decodeStsCredential(value: string): Result<SignedStsRequest> {
  if (value.length > MAX_STS_CREDENTIAL_LENGTH) return problem(`is longer than ${MAX_STS_CREDENTIAL_LENGTH} characters`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch {
    return problem('is not base64url-encoded JSON');
  }
  const r = parsed as Partial<SignedStsRequest> | null;
  if (!r || typeof r.method !== 'string' || typeof r.url !== 'string' || typeof r.body !== 'string' || !r.headers || typeof r.headers !== 'object') {
    return problem('must be a JSON object { method, url, headers, body }');
  }
  const entries = Object.entries(r.headers);
  if (entries.length > MAX_HEADERS || entries.some(([k, v]) => typeof v !== 'string' || !/^[A-Za-z0-9-]{1,64}$/.test(k))) return problem(`headers must be at most ${MAX_HEADERS} string values with token names`);
  return ok({ method: r.method, url: r.url, body: r.body, headers: Object.fromEntries(entries.map(([k, v]) => [k.toLowerCase(), v as string])) });
}

/** What Trellis sends to STS once the request passed every check. */
export interface CheckedStsRequest {
  url: URL;
  headers: Record<string, string>;
  body: string;
  /** Unique per signature: a request is redeemed once. */
  signature: string;
  signedAt: Date;
}

export interface CheckStsRequestInput {
  request: SignedStsRequest;
  expectedBinding: string;
  /** Decides which endpoints Trellis sends to; never the client. */
  endpointAllowed: (url: URL) => boolean;
  now: Date;
}

const AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=[A-Za-z0-9/_-]{1,256}, ?SignedHeaders=([a-z0-9;-]{1,1024}), ?Signature=([0-9a-f]{64})$/;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** Everything Trellis can check before sending: endpoint, action, signed binding, freshness. STS checks the signature. */
export function checkSignedStsRequest(input: CheckStsRequestInput): Result<CheckedStsRequest> {
  const { request: r } = input;
  let url: URL;
  try {
    url = new URL(r.url);
  } catch {
    return problem('url is not a URL');
  }
  if (!input.endpointAllowed(url) || (url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '' || url.username !== '') {
    return problem(`url ${url.origin} is not an STS endpoint Trellis sends to (https://sts[.<region>].amazonaws.com/)`);
  }
  if (r.method.toUpperCase() !== 'POST') return problem('method must be POST');
  const params = new URLSearchParams(r.body);
  if ([...params.keys()].sort().join(',') !== 'Action,Version' || params.get('Action') !== 'GetCallerIdentity' || params.get('Version') !== '2011-06-15') {
    return problem(`body must be exactly the GetCallerIdentity action (${STS_BODY})`);
  }
  const auth = AUTHORIZATION.exec(r.headers.authorization ?? '');
  if (!auth) return problem('has no SigV4 Authorization header (AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...)');
  const signed = new Set(auth[1]!.split(';'));
  for (const required of ['host', 'x-amz-date', ATTESTATION_BINDING_HEADER]) {
    if (!signed.has(required)) return problem(`must sign the ${required} header`);
  }
  if (r.headers.host !== url.host) return problem(`signed host ${JSON.stringify(r.headers.host ?? '')} is not the url's host ${url.host}`);
  if (r.headers[ATTESTATION_BINDING_HEADER] !== input.expectedBinding) {
    return problem(`${ATTESTATION_BINDING_HEADER} does not bind this request (expected "${input.expectedBinding}"): sign it for this tenant, mesh and body`);
  }
  const date = AMZ_DATE.exec(r.headers['x-amz-date'] ?? '');
  if (!date) return problem('x-amz-date is missing or malformed');
  const signedAt = new Date(Date.UTC(+date[1]!, +date[2]! - 1, +date[3]!, +date[4]!, +date[5]!, +date[6]!));
  if (Math.abs(input.now.getTime() - signedAt.getTime()) > STS_REQUEST_MAX_AGE_SECONDS * 1000) {
    return problem(`was signed at ${signedAt.toISOString()}, more than ${STS_REQUEST_MAX_AGE_SECONDS} s from now`);
  }
  // Only what the signature covers goes to STS; host and length are set by the HTTP client from url and body.
  const headers = Object.fromEntries(Object.entries(r.headers).filter(([k]) => (signed.has(k) && k !== 'host' && k !== 'content-length') || k === 'authorization'));
  return ok({ url, headers, body: r.body, signature: auth[2]!, signedAt });
}

/** The caller as STS answered: the ARN and account of the signing credentials. */
export interface CallerIdentity {
  arn: string;
  account: string;
}

/** Reads GetCallerIdentity's XML answer (exactly one Arn and Account). */
export function parseCallerIdentity(xml: string): Result<CallerIdentity> {
  const result = /<GetCallerIdentityResult>([\s\S]*)<\/GetCallerIdentityResult>/.exec(xml)?.[1] ?? '';
  const arns = [...result.matchAll(/<Arn>([^<]{1,2048})<\/Arn>/g)];
  const accounts = [...result.matchAll(/<Account>(\d{12})<\/Account>/g)];
  if (arns.length !== 1 || accounts.length !== 1) return fail([{ path: 'sts', message: 'answered without exactly one Arn and Account' }]);
  return ok({ arn: arns[0]![1]!, account: accounts[0]![1]! });
}

const ASSUMED_ROLE = /^arn:(aws|aws-cn|aws-us-gov):sts::(\d{12}):assumed-role\/([\w+=,.@-]{1,64})\/([\w+=,.@-]{1,64})$/;

/** `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION` → the role's key (`partition:account:name`) and session. */
export function assumedRoleOf(identity: CallerIdentity): Result<{ roleKey: string; session: string }> {
  const m = ASSUMED_ROLE.exec(identity.arn);
  if (!m || m[2] !== identity.account) {
    return fail([{ path: 'sts', message: `says the request was signed by ${identity.arn}, which is not an assumed role (ECS task roles are); users and root cannot attest` }]);
  }
  return ok({ roleKey: `${m[1]}:${m[2]}:${m[3]}`, session: m[4]! });
}
