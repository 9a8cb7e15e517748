import type { FieldError } from '../core/result.ts';
import { CliError } from './cli-error.ts';
import { ExitCode, exitCodeForStatus } from './exit-codes.ts';

/** An RFC 9457 problem as the Trellis API returns it. */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: FieldError[];
  requestId?: string;
}

/** The API answered with an error status. */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    readonly problem: Problem,
    hint: string | undefined,
  ) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`, exitCodeForStatus(status), {
      ...(hint ? { hint } : {}),
      ...(problem.errors ? { fieldErrors: problem.errors } : {}),
    });
  }
}

export interface ApiClientOptions {
  server: string;
  apiKey: string;
  timeoutMs?: number;
  /** For tests: a stand-in fetch. */
  fetch?: typeof fetch;
}

export interface RequestOptions {
  query?: Record<string, string | undefined>;
  /** Sent as JSON unless `contentType` says otherwise (then it must be a string). */
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
}

export interface ApiResponse<T> {
  status: number;
  headers: Headers;
  body: T;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** What to do when the server cannot be reached at all. */
export function unreachableHint(server: string): string {
  let host: string;
  try {
    host = new URL(server).hostname;
  } catch {
    return 'the server URL is not a URL: set TRELLIS_URL or `trellis context set NAME --server URL`';
  }
  const local = LOOPBACK.has(host) ? 'is `npm start` running? ' : 'check the URL and your network; ';
  return `${local}set TRELLIS_URL or \`trellis context set NAME --server URL\``;
}

function hintFor(status: number, problem: Problem): string | undefined {
  const detail = problem.detail ?? '';
  if (status === 401) return 'the API key was refused: set TRELLIS_API_KEY or `trellis context set NAME --api-key KEY`';
  if (status === 403) return 'this API key may not do that; ask an operator for a key with the right role';
  const mesh = /^Mesh "([^"]+)" does not exist/.exec(detail);
  if (status === 404 && mesh) return `\`trellis mesh list\` shows your meshes; \`trellis mesh create ${mesh[1]}\` creates this one`;
  if (status === 412) return 'it changed since it was read: fetch it again (`trellis get`), then re-apply';
  if (status === 413) return 'split the input into smaller applies';
  if (status >= 500 && problem.requestId) return `retry; if it persists, report request id ${problem.requestId}`;
  return undefined;
}

async function readProblem(res: Response): Promise<Problem> {
  const text = await res.text();
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed === 'object' && parsed !== null) return parsed as Problem;
  } catch {
    // not JSON: a proxy or gateway in front of the API answered
  }
  return { status: res.status, title: res.statusText, detail: text.trim().slice(0, 300) || `HTTP ${res.status} ${res.statusText}` };
}

/** HTTP to the Trellis API: bearer key, timeout, problem+json errors turned into `ApiError`. */
export class ApiClient {
  private readonly fetchImpl: typeof fetch;
  readonly server: string;

  constructor(private readonly options: ApiClientOptions) {
    this.fetchImpl = options.fetch ?? fetch;
    this.server = options.server.replace(/\/+$/, '');
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    const headers: Record<string, string> = { authorization: `Bearer ${this.options.apiKey}`, accept: 'application/json', ...options.headers };
    let payload: string | undefined;
    if (options.body !== undefined) {
      headers['content-type'] = options.contentType ?? 'application/json';
      payload = typeof options.body === 'string' && options.contentType ? options.body : JSON.stringify(options.body);
    }
    const timeoutMs = this.options.timeoutMs ?? 30_000;
    let res: Response;
    try {
      res = await this.fetchImpl(url, { method, headers, body: payload, signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
        throw new CliError(`${this.server} did not answer ${method} ${path} within ${timeoutMs / 1000}s`, ExitCode.Failure, { hint: 'retry; check the server with `trellis version`', cause: err });
      }
      const code = (err as { cause?: { code?: string } }).cause?.code;
      throw new CliError(`cannot reach ${this.server}${code ? ` (${code})` : ''}`, ExitCode.Failure, { hint: unreachableHint(this.server), cause: err });
    }
    if (!res.ok) {
      const problem = await readProblem(res);
      throw new ApiError(res.status, problem, hintFor(res.status, problem));
    }
    const text = await res.text();
    let body: unknown = undefined;
    if (text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    return { status: res.status, headers: res.headers, body: body as T };
  }

  async get<T>(path: string, query?: Record<string, string | undefined>): Promise<T> {
    return (await this.request<T>('GET', path, query ? { query } : {})).body;
  }

  /** Every item of a paginated list (bounded, so a misbehaving server cannot loop us forever). */
  async list<T>(path: string, maxPages = 200): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < maxPages; page++) {
      const body = await this.get<{ items: T[]; nextCursor?: string }>(path, { limit: '500', cursor });
      items.push(...body.items);
      cursor = body.nextCursor;
      if (!cursor) return items;
    }
    throw new CliError(`${path} has more than ${maxPages} pages; narrow the query`);
  }
}

export const meshPath = (mesh: string, rest = '') => `/v1/meshes/${encodeURIComponent(mesh)}${rest}`;
