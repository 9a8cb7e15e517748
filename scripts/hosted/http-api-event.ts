import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/** What the adapter read of one HTTP request. */
export interface HttpRequest {
  method: string;
  /** The request target as sent (origin form: path and query). */
  target: string;
  /** Node's rawHeaders: name, value, name, value, ... */
  rawHeaders: string[];
  body: Buffer;
  sourceIp: string;
  httpVersion: string;
}

export interface HttpResponse {
  status: number;
  headers: [string, string][];
  body: Buffer;
}

/** The request cannot be put in an event (API Gateway answers these itself). */
export class BadHttpRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadHttpRequestError';
  }
}

/** The function's answer is not one API Gateway could send. */
export class MalformedLambdaResultError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedLambdaResultError';
  }
}

// Bodies API Gateway passes as text; anything else (or text that is not UTF-8) arrives base64-encoded.
const TEXT_TYPE = /^(text\/[^;]+|application\/([a-z0-9.+-]*\+)?(json|yaml|x-yaml|xml|javascript|x-www-form-urlencoded))\s*(;|$)/i;
const ACCOUNT_ID = '000000000000';
const API_ID = 'local';

function isUtf8Text(body: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(body);
    return true;
  } catch {
    return false;
  }
}

function decodeComponent(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/** `queryStringParameters` as HTTP APIs fill it: decoded, repeated names joined by commas. */
function queryParameters(rawQuery: string): Record<string, string> | undefined {
  if (rawQuery === '') return undefined;
  const params: Record<string, string> = {};
  for (const pair of rawQuery.split('&')) {
    if (pair === '') continue;
    const at = pair.indexOf('=');
    const name = decodeComponent(at < 0 ? pair : pair.slice(0, at));
    const value = at < 0 ? '' : decodeComponent(pair.slice(at + 1));
    params[name] = name in params ? `${params[name]},${value}` : value;
  }
  return params;
}

/**
 * An HTTP request as an API Gateway HTTP API (payload format 2.0) hands it to a Lambda function:
 * lower-case headers with repeats joined by commas, cookies in their own field, the raw path and
 * query, the body as text or base64.
 */
export function toHttpApiEvent(req: HttpRequest, requestId: string, now: Date): APIGatewayProxyEventV2 {
  if (!req.target.startsWith('/')) throw new BadHttpRequestError('the request target must be a path');
  const q = req.target.indexOf('?');
  const rawPath = q < 0 ? req.target : req.target.slice(0, q);
  const rawQueryString = q < 0 ? '' : req.target.slice(q + 1);
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!.toLowerCase();
    const value = req.rawHeaders[i + 1]!;
    if (name === 'cookie') {
      cookies.push(...value.split(';').map((c) => c.trim()).filter((c) => c !== ''));
      continue;
    }
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  const contentType = headers['content-type'] ?? '';
  const asText = TEXT_TYPE.test(contentType) && isUtf8Text(req.body);
  const domainName = headers.host ?? '127.0.0.1';
  const query = queryParameters(rawQueryString);
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(query ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: ACCOUNT_ID,
      apiId: API_ID,
      domainName,
      domainPrefix: domainName.split('.')[0] ?? domainName,
      http: { method: req.method, path: rawPath, protocol: `HTTP/${req.httpVersion}`, sourceIp: req.sourceIp, userAgent: headers['user-agent'] ?? '' },
      requestId,
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(req.body.length > 0 ? { body: asText ? req.body.toString('utf8') : req.body.toString('base64') } : {}),
    isBase64Encoded: req.body.length > 0 && !asText,
  };
}

/** The function's result as API Gateway turns it into an HTTP response (`cookies` become Set-Cookie headers). */
export function fromLambdaResult(result: unknown, maxBodyBytes: number): HttpResponse {
  if (typeof result !== 'object' || result === null || Array.isArray(result)) throw new MalformedLambdaResultError('the result is not an object');
  const r = result as APIGatewayProxyStructuredResultV2;
  const status = r.statusCode ?? 200;
  if (!Number.isInteger(status) || status < 100 || status > 599) throw new MalformedLambdaResultError(`statusCode ${String(status)} is not an HTTP status`);
  const headers: [string, string][] = Object.entries(r.headers ?? {}).map(([k, v]) => [k, String(v)]);
  for (const cookie of r.cookies ?? []) headers.push(['set-cookie', cookie]);
  const body = r.body === undefined ? Buffer.alloc(0) : r.isBase64Encoded ? Buffer.from(r.body, 'base64') : Buffer.from(r.body, 'utf8');
  if (body.length > maxBodyBytes) throw new MalformedLambdaResultError(`the response body is ${body.length} bytes, over the ${maxBodyBytes}-byte payload limit`);
  return { status, headers, body };
}
