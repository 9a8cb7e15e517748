import type { PathSegment } from '../../resources/field-path.ts';

// CloudFormation spells these App Mesh keys in capitals; every other key is the API's with a capital first letter.
const SPECIAL: Readonly<Record<string, string>> = { TLS: 'tls', ACM: 'acm', SDS: 'sds', DNS: 'dns', AWSCloudMap: 'awsCloudMap', HTTP: 'http', HTTP2: 'http2', GRPC: 'grpc', TCP: 'tcp' };

export function apiKey(cfnKey: string): string {
  return SPECIAL[cfnKey] ?? cfnKey.charAt(0).toLowerCase() + cfnKey.slice(1);
}

/** A CloudFormation property value with its keys in the App Mesh API's spelling. */
export function toApiKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toApiKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [apiKey(k), toApiKeys(v)]));
}

/** Maps a path in the converted value back to the template's spelling, for error messages. */
export function templatePath(original: unknown, apiPath: readonly PathSegment[]): PathSegment[] {
  const out: PathSegment[] = [];
  let node: unknown = original;
  for (const segment of apiPath) {
    if (typeof segment === 'number' || typeof node !== 'object' || node === null || Array.isArray(node)) {
      out.push(segment);
      node = Array.isArray(node) && typeof segment === 'number' ? node[segment] : undefined;
      continue;
    }
    const key = Object.keys(node).find((k) => apiKey(k) === segment) ?? segment.charAt(0).toUpperCase() + segment.slice(1);
    out.push(key);
    node = (node as Record<string, unknown>)[key];
  }
  return out;
}
