import { httpRequest } from '../http-request.ts';

/** Reads a URL's body as text, refusing more than `maxBytes` and giving up after `timeoutMs`. */
export async function fetchText(url: string, maxBytes: number, timeoutMs: number): Promise<string> {
  const res = await httpRequest(url, { headers: { accept: 'text/plain;version=0.0.4' }, timeoutMs, maxBytes });
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
  return res.text;
}
