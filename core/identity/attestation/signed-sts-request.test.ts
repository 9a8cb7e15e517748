import { describe, expect, it } from 'vitest';
import { assumedRoleOf, attestationBinding, checkSignedStsRequest, decodeStsCredential, encodeStsCredential, isAwsStsEndpoint, parseCallerIdentity, STS_BODY, type SignedStsRequest } from './signed-sts-request.ts';

const NOW = new Date('2026-03-01T12:00:00Z');
const binding = attestationBinding({ tenantId: 'acme', mesh: 'prod', body: '{"csr":"x"}' });
const SIG = 'a'.repeat(64);

function request(over: Partial<SignedStsRequest> = {}, headers: Record<string, string> = {}): SignedStsRequest {
  return {
    method: 'POST',
    url: 'https://sts.eu-west-1.amazonaws.com/',
    body: STS_BODY,
    headers: {
      host: 'sts.eu-west-1.amazonaws.com',
      'content-type': 'application/x-www-form-urlencoded',
      'x-amz-date': '20260301T115900Z',
      'x-amz-security-token': 'session',
      'x-trellis-attestation': binding,
      authorization: `AWS4-HMAC-SHA256 Credential=ASIA/20260301/eu-west-1/sts/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-trellis-attestation, Signature=${SIG}`,
      ...headers,
    },
    ...over,
  };
}

const check = (r: SignedStsRequest) => checkSignedStsRequest({ request: r, expectedBinding: binding, endpointAllowed: isAwsStsEndpoint, now: NOW });
const message = (r: ReturnType<typeof check>) => (r.ok ? '' : r.errors[0]!.message);

describe('signed STS request checks', () => {
  it('passes a well-formed request and forwards only signed headers', () => {
    const result = check(request({}, { 'x-unsigned': 'dropped' }));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(Object.keys(result.value.headers).sort()).toEqual(['authorization', 'content-type', 'x-amz-date', 'x-amz-security-token', 'x-trellis-attestation']);
    expect(result.value.signature).toBe(SIG);
  });

  it.each([
    ['an arbitrary host', { url: 'https://169.254.169.254/' }, /not an STS endpoint/],
    ['plain http', { url: 'http://sts.amazonaws.com/' }, /not an STS endpoint/],
    ['a look-alike host', { url: 'https://sts.amazonaws.com.evil.example/' }, /not an STS endpoint/],
    ['a port', { url: 'https://sts.amazonaws.com:8443/' }, /not an STS endpoint/],
    ['a query', { url: 'https://sts.eu-west-1.amazonaws.com/?Action=AssumeRole' }, /not an STS endpoint/],
    ['another action', { body: 'Action=AssumeRole&Version=2011-06-15&RoleArn=x' }, /exactly the GetCallerIdentity/],
    ['GET', { method: 'GET' }, /must be POST/],
  ])('refuses %s', (_name, over, expected) => {
    expect(message(check(request(over as Partial<SignedStsRequest>)))).toMatch(expected);
  });

  it('refuses a binding for another mesh or body, and an unsigned binding', () => {
    expect(message(check(request({}, { 'x-trellis-attestation': attestationBinding({ tenantId: 'acme', mesh: 'other', body: '{"csr":"x"}' }) })))).toMatch(/does not bind/);
    expect(message(check(request({}, { 'x-trellis-attestation': attestationBinding({ tenantId: 'acme', mesh: 'prod', body: '{"csr":"y"}' }) })))).toMatch(/does not bind/);
    const unsigned = `AWS4-HMAC-SHA256 Credential=ASIA/20260301/eu-west-1/sts/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=${SIG}`;
    expect(message(check(request({}, { authorization: unsigned })))).toMatch(/must sign the x-trellis-attestation header/);
  });

  it('refuses a host header that differs from the url, and a stale signature', () => {
    expect(message(check(request({}, { host: 'sts.us-east-1.amazonaws.com' })))).toMatch(/signed host/);
    expect(message(check(request({}, { 'x-amz-date': '20260301T110000Z' })))).toMatch(/more than 300 s/);
  });

  it('round-trips the Authorization value and bounds it', () => {
    expect(decodeStsCredential(encodeStsCredential(request()))).toEqual({ ok: true, value: request() });
    expect(decodeStsCredential('x'.repeat(9000)).ok).toBe(false);
    expect(decodeStsCredential(Buffer.from('[1]').toString('base64url')).ok).toBe(false);
  });

  it('knows the public STS endpoints', () => {
    for (const ok of ['https://sts.amazonaws.com/', 'https://sts.us-east-1.amazonaws.com/', 'https://sts.cn-north-1.amazonaws.com.cn/', 'https://sts.us-gov-west-1.amazonaws.com/']) expect(isAwsStsEndpoint(new URL(ok))).toBe(true);
    for (const bad of ['https://sts.amazonaws.com.evil/', 'https://s3.amazonaws.com/', 'https://evil.com/sts.amazonaws.com']) expect(isAwsStsEndpoint(new URL(bad))).toBe(false);
  });
});

describe('STS answers', () => {
  const xml = (arn: string, account = '123456789012') => `<GetCallerIdentityResponse><GetCallerIdentityResult><UserId>AROA:s</UserId><Account>${account}</Account><Arn>${arn}</Arn></GetCallerIdentityResult></GetCallerIdentityResponse>`;

  it('maps an assumed-role ARN to its role', () => {
    const identity = parseCallerIdentity(xml('arn:aws:sts::123456789012:assumed-role/checkout-task/abc123'));
    expect(identity).toEqual({ ok: true, value: { arn: 'arn:aws:sts::123456789012:assumed-role/checkout-task/abc123', account: '123456789012' } });
    expect(assumedRoleOf(identity.ok ? identity.value : { arn: '', account: '' })).toEqual({ ok: true, value: { roleKey: 'aws:123456789012:checkout-task', session: 'abc123' } });
  });

  it('refuses users, root and an ARN of another account than the one answered', () => {
    expect(assumedRoleOf({ arn: 'arn:aws:iam::123456789012:user/alice', account: '123456789012' }).ok).toBe(false);
    expect(assumedRoleOf({ arn: 'arn:aws:iam::123456789012:root', account: '123456789012' }).ok).toBe(false);
    expect(assumedRoleOf({ arn: 'arn:aws:sts::111111111111:assumed-role/r/s', account: '123456789012' }).ok).toBe(false);
  });

  it('refuses an answer with two ARNs', () => {
    expect(parseCallerIdentity(xml('a</Arn><Arn>b')).ok).toBe(false);
  });
});
