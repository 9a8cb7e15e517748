import { ACCESS_LOG_PATHS, REFUSED_EXTENSIONS } from '../envoy/patch-guard.ts';
import { UNSUPPORTED_ISTIO_KINDS } from './document-kinds.ts';
import { GATEWAY_ONLY_CREDENTIAL_NAME, NEEDS_ORIGINAL_DESTINATION, REDIRECT_ONLY_SERVICE_ENTRY_FEATURES, UNSUPPORTED_FIELDS } from './unsupported.ts';

/** `docs/unsupported.md`: the human form of UNSUPPORTED_FIELDS, one table per kind. */
export function unsupportedFieldsMarkdown(): string {
  const lines = [
    '# Fields Trellis does not support yet',
    '',
    '<!-- Generated from core/resources/unsupported.ts; `UPDATE_GOLDEN=1 npx vitest run core/resources` rewrites it. -->',
    '',
    'Trellis accepts the Istio schema, but applying a resource that sets one of these fields fails with',
    'HTTP 400, the field path and the word "unsupported", so nothing is stored that would silently do',
    'less than it says. Everything else in VirtualService, DestinationRule, ServiceEntry, WorkloadEntry',
    'and Sidecar is translated for sidecars, and Gateway for Envoy gateways (see docs/traffic-management.md); PeerAuthentication,',
    'AuthorizationPolicy and RequestAuthentication as docs/security.md describes; WorkloadGroup decides which proxies may register',
    'as which workloads (docs/security.md); EnvoyFilter patches what sidecars and gateways are served, and ProxyConfig',
    'sets how the agent starts Envoy (docs/traffic-management.md); Telemetry sets access logs and tracing (docs/observability.md).',
    '',
  ];
  const kinds = [...new Set(UNSUPPORTED_FIELDS.map((f) => f.kind))];
  for (const kind of kinds) {
    lines.push(`## ${kind}`, '', '| field | when | why |', '|---|---|---|');
    for (const f of UNSUPPORTED_FIELDS.filter((e) => e.kind === kind)) {
      lines.push(`| \`${f.path}\` | ${f.when ? f.when.text : 'set'} | ${f.reason} |`);
    }
    lines.push('');
  }
  lines.push(
    '## ServiceEntry features that need REDIRECT interception',
    '',
    'These are accepted at apply and translated for sidecars in REDIRECT interception (EKS/ECS injection),',
    'where Envoy knows the original destination. A local-mode (NONE interception) proxy is served',
    'everything else, and its translation issues say, per service:',
    `"${NEEDS_ORIGINAL_DESTINATION}".`,
    '',
    '| field | when |',
    '|---|---|',
    ...REDIRECT_ONLY_SERVICE_ENTRY_FEATURES.map(([field, when]) => `| \`${field}\` | ${when} |`),
    '',
    '## DestinationRule credentialName on sidecars',
    '',
    '`tls.credentialName` (in `trafficPolicy`, `portLevelSettings` and subsets) is accepted at apply and',
    'translated for gateways, as Istio\'s egress gateway TLS origination tasks use it: the credential',
    'uploaded in the gateway\'s namespace gives the client certificate and key (MUTUAL) and the CA',
    'certificates that verify the server, over SDS. Uploaded credentials are not served to sidecars, so a',
    'sidecar is not served the cluster, and its translation issues say, per cluster:',
    `"${GATEWAY_ONLY_CREDENTIAL_NAME}".`,
    '',
    '## What an EnvoyFilter patch may not do',
    '',
    'Every patch value must decode as the Envoy message its `applyTo` names (an unknown field, type or enum',
    'name is refused with its path), and it may not give the tenant access to the proxy\'s host. These are',
    'refused with "unsupported" and the path inside `patch.value`:',
    '',
    '| what | why |',
    '|---|---|',
    ...Object.entries(REFUSED_EXTENSIONS).map(([type, why]) => `| \`@type\` \`${type}\` | ${why} |`),
    '| a `DataSource` with `filename` | a patch may not read files on the proxy host; put the data inline |',
    '| a `DataSource` with `environment_variable` | a patch may not read the proxy\'s environment; put the data inline |',
    '| a `ConfigSource` with `path` or `path_config_source` | a patch may not load config from files on the proxy host |',
    '| a `WatchedDirectory` | a patch may not watch directories on the proxy host |',
    '| a `Pipe` address | a patch may not use Unix sockets on the proxy host |',
    '| a `SocketAddress` on loopback (`127.0.0.0/8`, `::1`, `localhost`, `0.0.0.0`, `::`) | a patch may not point the proxy at its own host (the admin port, the agent) |',
    `| a file access log with a \`path\` other than ${ACCESS_LOG_PATHS.map((p) => `\`${p}\``).join(' or ')} | an access log may write to ${ACCESS_LOG_PATHS.join(' or ')} only |`,
    '| any other extension type | unknown type …: Trellis does not accept this extension in a patch (only the types in `core/envoy/patch-proto-files.ts` are loaded) |',
    '',
    '## Istio kinds',
    '',
    'An apply that holds one of these kinds is refused with "unsupported", even with `ignoreUnknownKinds=true`',
    '(which skips only objects that are not mesh configuration, such as Deployments and Services).',
    '',
    '| kind | why |',
    '|---|---|',
    ...Object.entries(UNSUPPORTED_ISTIO_KINDS).map(([kind, reason]) => `| \`${kind}\` | ${reason} |`),
    '',
  );
  return lines.join('\n');
}
