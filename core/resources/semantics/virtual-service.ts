import { hostProblem } from '../formats/hostname.ts';
import { isIpOrCidr } from '../formats/ip.ts';
import { dnsLabelProblem, isDns1123Label } from '../formats/names.ts';
import type { PathSegment } from '../field-path.ts';
import type { Headers } from '../schemas/shared/headers.ts';
import type { Destination } from '../schemas/shared/destination.ts';
import type { HTTPRoute, VirtualServiceSpec } from '../schemas/virtual-service.ts';
import { Findings } from './collector.ts';
import { checkCidrs, checkExportTo, checkHeaderName, checkUnique, checkWeights, JWT_CLAIM_HEADER, PSEUDO_HEADERS } from './common.ts';

// Envoy's retry_on policies, plus numeric HTTP status codes handled below.
const RETRY_ON = new Set([
  '5xx', 'gateway-error', 'reset', 'reset-before-request', 'connect-failure', 'envoy-ratelimited', 'retriable-4xx',
  'refused-stream', 'retriable-status-codes', 'retriable-headers', 'http3-post-connect-failure',
  'cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable',
]);
const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']);

export function validateVirtualService(spec: VirtualServiceSpec): Findings {
  const f = new Findings();
  const hosts = spec.hosts ?? [];
  const gateways = spec.gateways ?? [];
  // A VirtualService without hosts is a delegate, included by a root VirtualService.
  const isDelegate = hosts.length === 0;
  if (isDelegate && gateways.length > 0) f.add(['gateways'], 'a delegate VirtualService (no hosts) must not set gateways');
  const boundToMesh = gateways.length === 0 || gateways.includes('mesh');
  hosts.forEach((host, i) => {
    f.add(['hosts', i], hostProblem(host));
    if (host === '*' && boundToMesh) f.add(['hosts', i], 'the wildcard host "*" is not allowed for VirtualServices bound to the mesh');
  });
  checkUnique(f, hosts, (h) => h, (i) => ['hosts', i], 'host');
  gateways.forEach((g, i) => checkGatewayName(f, ['gateways', i], g));
  checkExportTo(f, spec.exportTo);
  if (!spec.http?.length && !spec.tcp?.length && !spec.tls?.length) {
    f.add([], 'at least one of http, tcp or tls routes is required');
  }

  spec.http?.forEach((route, i) => checkHttpRoute(f, ['http', i], route, isDelegate));
  checkUnique(f, spec.http, (r) => r.name, (i) => ['http', i, 'name'], 'HTTP route name');

  spec.tls?.forEach((route, i) => {
    const path = ['tls', i];
    if (route.match.length === 0) f.add([...path, 'match'], 'a TLS route needs at least one match');
    route.match.forEach((m, j) => {
      if (m.sniHosts.length === 0) f.add([...path, 'match', j, 'sniHosts'], 'at least one SNI host is required');
      m.sniHosts.forEach((h, k) => {
        const problem = hostProblem(h);
        f.add([...path, 'match', j, 'sniHosts', k], problem);
        if (!problem && !isDelegate && !hosts.some((host) => hostCovers(host, h))) {
          f.add([...path, 'match', j, 'sniHosts', k], `SNI host "${h}" is not covered by any of the VirtualService hosts`);
        }
      });
      checkCidrs(f, [...path, 'match', j, 'destinationSubnets'], m.destinationSubnets);
      checkL4Match(f, [...path, 'match', j], m);
    });
    checkL4Routes(f, path, route.route);
  });

  spec.tcp?.forEach((route, i) => {
    const path = ['tcp', i];
    route.match?.forEach((m, j) => {
      checkCidrs(f, [...path, 'match', j, 'destinationSubnets'], m.destinationSubnets);
      if (m.sourceSubnet !== undefined && !isIpOrCidr(m.sourceSubnet)) {
        f.add([...path, 'match', j, 'sourceSubnet'], `"${m.sourceSubnet}" is not an IP address or CIDR block`);
      }
      checkL4Match(f, [...path, 'match', j], m);
    });
    checkL4Routes(f, path, route.route);
  });
  return f;
}

/** Whether `host` (possibly a wildcard) includes every name `name` can match. */
function hostCovers(host: string, name: string): boolean {
  const h = host.toLowerCase();
  const n = name.toLowerCase();
  if (h === n || h === '*') return true;
  if (!h.startsWith('*')) return false;
  const suffix = h.slice(1);
  return n.startsWith('*') ? n.slice(1).endsWith(suffix) : n.endsWith(suffix);
}

function checkL4Routes(f: Findings, path: PathSegment[], routes: { destination: Destination; weight?: number }[] | undefined): void {
  if (!routes || routes.length === 0) f.add([...path, 'route'], 'at least one route destination is required');
  routes?.forEach((r, i) => checkDestination(f, [...path, 'route', i, 'destination'], r.destination));
  checkWeights(f, [...path, 'route'], routes);
}

function checkL4Match(f: Findings, path: PathSegment[], m: { gateways?: string[]; sourceNamespace?: string }): void {
  m.gateways?.forEach((g, i) => checkGatewayName(f, [...path, 'gateways', i], g));
  if (m.sourceNamespace !== undefined) f.add([...path, 'sourceNamespace'], dnsLabelProblem(m.sourceNamespace, 'sourceNamespace'));
}

function checkHttpRoute(f: Findings, path: PathSegment[], http: HTTPRoute, inDelegate: boolean): void {
  const hasRoute = (http.route?.length ?? 0) > 0;
  if (http.delegate) {
    if (inDelegate) f.add([...path, 'delegate'], 'a delegate VirtualService cannot delegate again');
    if (hasRoute) f.add([...path, 'route'], 'a route that delegates must not also set route');
    if (http.redirect) f.add([...path, 'redirect'], 'a route that delegates must not also set redirect');
    if (http.delegate.name !== undefined) f.add([...path, 'delegate', 'name'], dnsLabelProblem(http.delegate.name, 'delegate name'));
    else f.add([...path, 'delegate', 'name'], 'delegate name is required');
    if (http.delegate.namespace !== undefined) f.add([...path, 'delegate', 'namespace'], dnsLabelProblem(http.delegate.namespace, 'delegate namespace'));
  } else if (http.redirect) {
    if (hasRoute) f.add([...path, 'redirect'], 'a route cannot set both route and redirect');
    if (http.fault) f.add([...path, 'fault'], 'a route cannot set both fault and redirect');
    if (http.rewrite) f.add([...path, 'rewrite'], 'a route cannot set both rewrite and redirect');
    if (http.directResponse) f.add([...path, 'directResponse'], 'a route cannot set both directResponse and redirect');
  } else if (http.directResponse) {
    if (hasRoute) f.add([...path, 'directResponse'], 'a route cannot set both route and directResponse');
  } else if (!hasRoute) {
    f.add([...path], 'an HTTP route needs route, redirect, directResponse or delegate');
  }

  http.match?.forEach((m, i) => {
    const mp = [...path, 'match', i];
    for (const key of ['headers', 'withoutHeaders'] as const) {
      for (const name of Object.keys(m[key] ?? {})) if (!JWT_CLAIM_HEADER.test(name) && !PSEUDO_HEADERS.has(name)) checkHeaderName(f, [...mp, key, name], name);
    }
    if (m.sourceNamespace !== undefined) f.add([...mp, 'sourceNamespace'], dnsLabelProblem(m.sourceNamespace, 'sourceNamespace'));
    m.gateways?.forEach((g, j) => checkGatewayName(f, [...mp, 'gateways', j], g));
    if (inDelegate || http.delegate) {
      for (const key of ['uri', 'scheme', 'method', 'authority'] as const) {
        if (m[key]?.regex !== undefined) f.add([...mp, key, 'regex'], 'regex matches are not supported in delegating routes');
      }
    }
  });
  checkUnique(f, http.match, (m) => m.name, (i) => [...path, 'match', i, 'name'], 'match name');

  http.route?.forEach((r, i) => {
    checkDestination(f, [...path, 'route', i, 'destination'], r.destination);
    checkHeaders(f, [...path, 'route', i, 'headers'], r.headers);
  });
  checkWeights(f, [...path, 'route'], http.route);
  checkHeaders(f, [...path, 'headers'], http.headers);

  if (http.mirror) checkDestination(f, [...path, 'mirror'], http.mirror);
  http.mirrors?.forEach((m, i) => checkDestination(f, [...path, 'mirrors', i, 'destination'], m.destination));
  if (http.mirror && http.mirrors) f.add([...path, 'mirrors'], 'set only one of mirror and mirrors');
  if (http.mirrorPercent !== undefined && http.mirror_percent !== undefined) {
    f.add([...path, 'mirror_percent'], 'set only one of mirrorPercent and mirror_percent');
  }

  const redirect = http.redirect;
  if (redirect) {
    const rp = [...path, 'redirect'];
    if (redirect.port !== undefined && redirect.derivePort !== undefined) f.add([...rp, 'derivePort'], 'set only one of port and derivePort');
    if (!redirect.uri && !redirect.authority && !redirect.scheme && redirect.port === undefined && !redirect.derivePort && !redirect.prefixRewrite) {
      f.add(rp, 'a redirect must set at least one of uri, authority, scheme, port, derivePort or prefixRewrite');
    }
    if (redirect.uri && redirect.prefixRewrite) f.add([...rp, 'prefixRewrite'], 'set only one of uri and prefixRewrite');
    if (redirect.redirectCode !== undefined && (redirect.redirectCode < 300 || redirect.redirectCode > 399)) {
      f.add([...rp, 'redirectCode'], `${redirect.redirectCode} is not a redirect code; use a 3xx status`);
    }
  }
  if (http.directResponse) {
    const status = http.directResponse.status;
    if (status < 200 || status > 599) f.add([...path, 'directResponse', 'status'], `status ${status} must be between 200 and 599`);
    const body = http.directResponse.body;
    if (body && body.string !== undefined && body.bytes !== undefined) f.add([...path, 'directResponse', 'body'], 'set only one of string and bytes');
  }
  const rewrite = http.rewrite;
  if (rewrite) {
    if (rewrite.uri === undefined && rewrite.authority === undefined && rewrite.uriRegexRewrite === undefined) {
      f.add([...path, 'rewrite'], 'a rewrite must set uri, authority or uriRegexRewrite');
    }
    if (rewrite.uri !== undefined && rewrite.uriRegexRewrite !== undefined) f.add([...path, 'rewrite', 'uriRegexRewrite'], 'set only one of uri and uriRegexRewrite');
  }
  checkRetries(f, [...path, 'retries'], http.retries?.retryOn);
  checkFault(f, [...path, 'fault'], http.fault);
  const cors = http.corsPolicy;
  cors?.allowMethods?.forEach((m, i) => {
    if (!HTTP_METHODS.has(m)) f.add([...path, 'corsPolicy', 'allowMethods', i], `"${m}" is not an HTTP method`);
  });
  if (cors?.allowOrigin && cors.allowOrigins) f.add([...path, 'corsPolicy', 'allowOrigin'], 'set only one of allowOrigin (deprecated) and allowOrigins');
}

function checkFault(f: Findings, path: PathSegment[], fault: HTTPRoute['fault']): void {
  if (!fault) return;
  if (!fault.delay && !fault.abort) f.add(path, 'a fault must set delay or abort');
  const delay = fault.delay;
  if (delay) {
    const kinds = [delay.fixedDelay, delay.exponentialDelay].filter((d) => d !== undefined).length;
    if (kinds !== 1) f.add([...path, 'delay'], 'set exactly one of fixedDelay and exponentialDelay');
    if (delay.percent !== undefined && delay.percentage !== undefined) f.add([...path, 'delay', 'percent'], 'set only one of percent and percentage');
  }
  const abort = fault.abort;
  if (abort) {
    const kinds = [abort.httpStatus, abort.grpcStatus, abort.http2Error].filter((d) => d !== undefined).length;
    if (kinds !== 1) f.add([...path, 'abort'], 'set exactly one of httpStatus, grpcStatus and http2Error');
    if (abort.httpStatus !== undefined && (abort.httpStatus < 200 || abort.httpStatus > 599)) {
      f.add([...path, 'abort', 'httpStatus'], `httpStatus ${abort.httpStatus} must be between 200 and 599`);
    }
  }
}

function checkRetries(f: Findings, path: PathSegment[], retryOn: string | undefined): void {
  if (retryOn === undefined) return;
  for (const policy of retryOn.split(',')) {
    const p = policy.trim();
    const status = /^\d{3}$/.test(p) ? Number(p) : undefined;
    if (RETRY_ON.has(p) || (status !== undefined && status >= 100 && status <= 599)) continue;
    f.add([...path, 'retryOn'], `"${p}" is not a retry policy (e.g. 5xx, gateway-error, connect-failure, reset, or a status code such as 503)`);
  }
}

function checkHeaders(f: Findings, path: PathSegment[], headers: Headers | undefined): void {
  for (const side of ['request', 'response'] as const) {
    const ops = headers?.[side];
    if (!ops) continue;
    for (const op of ['set', 'add'] as const) {
      for (const name of Object.keys(ops[op] ?? {})) checkHeaderOperationName(f, [...path, side, op, name], name, side === 'request');
    }
    ops.remove?.forEach((name, i) => checkHeaderOperationName(f, [...path, side, 'remove', i], name, false));
  }
}

function checkHeaderOperationName(f: Findings, path: PathSegment[], name: string, authorityAllowed: boolean): void {
  const isAuthority = name.toLowerCase() === ':authority' || name.toLowerCase() === 'host';
  if (isAuthority && authorityAllowed) return;
  if (name.startsWith(':') || name.toLowerCase() === 'host') {
    f.add(path, `header "${name}" cannot be modified`);
    return;
  }
  checkHeaderName(f, path, name);
}

function checkDestination(f: Findings, path: PathSegment[], d: Destination): void {
  if (d.subset !== undefined && !isDns1123Label(d.subset)) {
    f.add([...path, 'subset'], dnsLabelProblem(d.subset, 'subset'));
  }
  if (d.host.includes('*')) f.add([...path, 'host'], `destination host "${d.host}" must not contain a wildcard`);
}

/** `mesh`, `gateway` or `namespace/gateway`. */
function checkGatewayName(f: Findings, path: PathSegment[], name: string): void {
  if (name === 'mesh') return;
  const parts = name.split('/');
  const problem =
    parts.length > 2
      ? `gateway "${name}" must be "mesh", a name, or namespace/name`
      : parts.map((p) => dnsLabelProblem(p, 'gateway')).find((p) => p !== undefined);
  // Gateway names may also be fully qualified (name.namespace.svc.cluster.local) in older configs.
  if (problem && !(parts.length === 1 && hostProblem(name, { allowUnderscore: false }) === undefined)) f.add(path, problem);
}
