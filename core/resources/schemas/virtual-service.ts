import { z } from 'zod';
import { Destination } from './shared/destination.ts';
import { Duration } from './shared/duration.ts';
import { ExportTo } from './shared/export-to.ts';
import { Headers } from './shared/headers.ts';
import { Labels } from './shared/labels.ts';
import { PortNumber, UInt32, WholePercent } from './shared/numbers.ts';
import { Percent } from './shared/percent.ts';
import { Regex } from './shared/regex.ts';
import { StringMatch } from './shared/string-match.ts';

const HTTPMatchRequest = z.strictObject({
  name: z.string().optional(),
  uri: StringMatch.optional(),
  scheme: StringMatch.optional(),
  method: StringMatch.optional(),
  authority: StringMatch.optional(),
  headers: z.record(z.string(), StringMatch).optional(),
  port: PortNumber.optional(),
  sourceLabels: Labels.optional(),
  gateways: z.array(z.string()).optional(),
  queryParams: z.record(z.string(), StringMatch).optional(),
  ignoreUriCase: z.boolean().optional(),
  withoutHeaders: z.record(z.string(), StringMatch).optional(),
  sourceNamespace: z.string().optional(),
  statPrefix: z.string().optional(),
});

const HTTPRouteDestination = z.strictObject({
  destination: Destination,
  weight: z.int().min(0, { message: 'weight must not be negative' }).optional(),
  headers: Headers.optional(),
});

const RouteDestination = z.strictObject({
  destination: Destination,
  weight: z.int().min(0, { message: 'weight must not be negative' }).optional(),
});

const HTTPRedirect = z.strictObject({
  uri: z.string().optional(),
  authority: z.string().optional(),
  port: PortNumber.optional(),
  derivePort: z.enum(['FROM_PROTOCOL_DEFAULT', 'FROM_REQUEST_PORT']).optional(),
  scheme: z.string().optional(),
  redirectCode: UInt32.optional(),
  prefixRewrite: z.string().optional(),
});

const HTTPDirectResponse = z.strictObject({
  status: UInt32,
  body: z.strictObject({ string: z.string().optional(), bytes: z.base64().optional() }).optional(),
});

const HTTPRewrite = z.strictObject({
  uri: z.string().optional(),
  authority: z.string().optional(),
  uriRegexRewrite: z.strictObject({ match: Regex.optional(), rewrite: z.string().optional() }).optional(),
});

const HTTPRetry = z.strictObject({
  attempts: z.int().min(0, { message: 'attempts must not be negative' }).optional(),
  perTryTimeout: Duration.optional(),
  retryOn: z.string().optional(),
  retryRemoteLocalities: z.boolean().optional(),
  retryIgnorePreviousHosts: z.boolean().optional(),
  backoff: Duration.optional(),
});

const CorsPolicy = z.strictObject({
  allowOrigin: z.array(z.string()).optional(),
  allowOrigins: z.array(StringMatch).optional(),
  allowMethods: z.array(z.string()).optional(),
  allowHeaders: z.array(z.string()).optional(),
  exposeHeaders: z.array(z.string()).optional(),
  maxAge: Duration.optional(),
  allowCredentials: z.boolean().optional(),
  unmatchedPreflights: z.enum(['UNSPECIFIED', 'FORWARD', 'IGNORE']).optional(),
});

const HTTPFaultInjection = z.strictObject({
  delay: z
    .strictObject({
      fixedDelay: Duration.optional(),
      exponentialDelay: Duration.optional(),
      percentage: Percent.optional(),
      percent: WholePercent.optional(),
    })
    .optional(),
  abort: z
    .strictObject({
      httpStatus: z.int().optional(),
      grpcStatus: z.string().optional(),
      http2Error: z.string().optional(),
      percentage: Percent.optional(),
    })
    .optional(),
});

const HTTPMirrorPolicy = z.strictObject({ destination: Destination, percentage: Percent.optional() });

const HTTPRoute = z.strictObject({
  name: z.string().optional(),
  match: z.array(HTTPMatchRequest).optional(),
  route: z.array(HTTPRouteDestination).optional(),
  redirect: HTTPRedirect.optional(),
  directResponse: HTTPDirectResponse.optional(),
  delegate: z.strictObject({ name: z.string().optional(), namespace: z.string().optional() }).optional(),
  rewrite: HTTPRewrite.optional(),
  timeout: Duration.optional(),
  retries: HTTPRetry.optional(),
  fault: HTTPFaultInjection.optional(),
  mirror: Destination.optional(),
  mirrors: z.array(HTTPMirrorPolicy).optional(),
  mirrorPercent: WholePercent.optional(),
  // Legacy snake_case spelling that Istio's CRD still accepts.
  mirror_percent: WholePercent.optional(),
  mirrorPercentage: Percent.optional(),
  corsPolicy: CorsPolicy.optional(),
  headers: Headers.optional(),
});

const L4Match = {
  destinationSubnets: z.array(z.string()).optional(),
  port: PortNumber.optional(),
  sourceLabels: Labels.optional(),
  gateways: z.array(z.string()).optional(),
  sourceNamespace: z.string().optional(),
};

const TLSRoute = z.strictObject({
  match: z.array(z.strictObject({ sniHosts: z.array(z.string()), ...L4Match })),
  route: z.array(RouteDestination).optional(),
});

const TCPRoute = z.strictObject({
  match: z.array(z.strictObject({ ...L4Match, sourceSubnet: z.string().optional() })).optional(),
  route: z.array(RouteDestination).optional(),
});

export const VirtualServiceSpec = z
  .strictObject({
    hosts: z.array(z.string()).optional(),
    gateways: z.array(z.string()).optional(),
    http: z.array(HTTPRoute).optional(),
    tls: z.array(TLSRoute).optional(),
    tcp: z.array(TCPRoute).optional(),
    exportTo: ExportTo.optional(),
  })
  .meta({ id: 'VirtualServiceSpec', description: 'Routing rules for traffic addressed to a set of hosts (networking.istio.io VirtualService).' });

export type VirtualServiceSpec = z.infer<typeof VirtualServiceSpec>;
export type HTTPRoute = z.infer<typeof HTTPRoute>;
