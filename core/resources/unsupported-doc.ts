import { UNSUPPORTED_ISTIO_KINDS } from './document-kinds.ts';
import { NEEDS_ORIGINAL_DESTINATION, REDIRECT_ONLY_SERVICE_ENTRY_FEATURES, UNSUPPORTED_FIELDS } from './unsupported.ts';

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
    'as which workloads (docs/security.md).',
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
