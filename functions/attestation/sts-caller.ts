import { isAwsStsEndpoint, parseCallerIdentity, type CallerIdentity, type CheckedStsRequest } from '../../core/identity/attestation/signed-sts-request.ts';
import { HttpProblemError } from '../problem.ts';
import { UnauthorizedError } from '../../core/errors.ts';
import { boundedText, OUTBOUND_TIMEOUT_MS, type AttestationOptions } from './attestation-options.ts';

/** Sends checked GetCallerIdentity requests to STS, only ever to an allowed endpoint. */
export class StsCaller {
  private readonly fetch: typeof fetch;
  private readonly configured: ReadonlySet<string> | undefined;

  constructor(options: AttestationOptions) {
    this.fetch = options.fetch ?? fetch;
    this.configured = options.stsEndpoints ? new Set(options.stsEndpoints.map((e) => new URL(e).origin)) : undefined;
  }

  /** Configured endpoints replace the public ones: a deployment that names its endpoint means only that one. */
  endpointAllowed = (url: URL): boolean => (this.configured ? this.configured.has(url.origin) : isAwsStsEndpoint(url));

  async callerOf(request: CheckedStsRequest): Promise<CallerIdentity> {
    let res: Response;
    try {
      res = await this.fetch(request.url, { method: 'POST', headers: request.headers, body: request.body, redirect: 'error', signal: AbortSignal.timeout(OUTBOUND_TIMEOUT_MS) });
    } catch (err) {
      throw new HttpProblemError(503, 'STS unavailable', `STS at ${request.url.origin} could not be reached to check the signed request (${(err as Error).message}); retry shortly.`, undefined, { 'retry-after': '2' });
    }
    const text = await boundedText(res);
    if (res.status === 403 || res.status === 400) {
      const code = /<Code>([^<]{1,100})<\/Code>/.exec(text ?? '')?.[1] ?? `HTTP ${res.status}`;
      throw new UnauthorizedError(`STS refused the signed GetCallerIdentity request (${code}): the signature, its credentials or its date are not valid.`);
    }
    if (res.status !== 200 || text === undefined) throw new HttpProblemError(503, 'STS unavailable', `STS answered HTTP ${res.status}; retry shortly.`, undefined, { 'retry-after': '2' });
    const identity = parseCallerIdentity(text);
    if (!identity.ok) throw new HttpProblemError(502, 'Bad STS answer', `STS ${identity.errors[0]!.message}.`);
    return identity.value;
  }
}
