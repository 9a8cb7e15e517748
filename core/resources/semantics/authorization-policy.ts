import { isIpOrCidr } from '../formats/ip.ts';
import type { AuthorizationPolicySpec } from '../schemas/authorization-policy.ts';
import { Findings } from './collector.ts';
import { checkSingleSelection } from './selection.ts';

// Condition keys Istio understands; bracketed keys take a name, e.g. request.headers[x-token].
const PLAIN_KEYS = new Set([
  'source.ip', 'remote.ip', 'source.namespace', 'source.principal', 'source.serviceAccount',
  'request.auth.principal', 'request.auth.audiences', 'request.auth.presenter',
  'destination.ip', 'destination.port', 'connection.sni',
]);
const BRACKETED = /^(?:request\.headers|request\.experimental\.inline\.headers|request\.auth\.claims)\[[^\]]+\](?:\[[^\]]+\])*$/;
// Keys Istio refuses with a reason of its own; say it the same way rather than "not supported".
const REFUSED_KEYS: Readonly<Record<string, string>> = {
  'source.trustDomain': 'Istio has no condition key source.trustDomain; match the trust domain in source.principal (values such as "<trust-domain>/*") or from.source.principals',
  'destination.namespace': 'destination.namespace is replaced by the policy\'s metadata.namespace',
  'destination.name': 'destination.name was only supported by the v1alpha1 RBAC API; use the selector',
  'destination.user': 'destination.user was only supported by the v1alpha1 RBAC API; use the selector',
};
const IP_KEYS = new Set(['source.ip', 'remote.ip', 'destination.ip']);

const MATCH_ONE = '{*}';
const MATCH_ANY = '{**}';
// A path segment's characters outside the operators (RFC 3986 pchar), as Envoy's URI template matcher requires.
const LITERAL_SEGMENT = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})*$/;

/** Istio's path templates: `{*}` one segment, `{**}` the rest; each a whole segment, `{**}` only last. */
export function pathTemplateProblem(path: string): string | undefined {
  if (!path.includes('{') && !path.includes('}')) return undefined;
  if (!path.startsWith('/')) return `path template "${path}" must start with "/"`;
  const segments = path.replace(/^\/+|\/+$/g, '').split('/');
  let sawMatchAny = false;
  for (const segment of segments) {
    if (segment === MATCH_ONE || segment === MATCH_ANY) {
      if (sawMatchAny) return `path template "${path}": {**} must be the last operator`;
      sawMatchAny = segment === MATCH_ANY;
      continue;
    }
    if (segment.includes('{') || segment.includes('}')) return `path template "${path}": only {*} and {**} may appear, each as a whole segment`;
    if (!LITERAL_SEGMENT.test(segment)) return `path template "${path}": segment "${segment}" is not a valid path literal`;
  }
  return undefined;
}

export function validateAuthorizationPolicy(spec: AuthorizationPolicySpec): Findings {
  const f = new Findings();
  checkSingleSelection(f, spec);
  const action = spec.action ?? 'ALLOW';
  if (action === 'CUSTOM' && !spec.provider?.name) f.add(['provider'], 'the CUSTOM action needs provider.name');
  if (action !== 'CUSTOM' && spec.provider) f.add(['provider'], `provider can only be set with the CUSTOM action, not ${action}`);

  spec.rules?.forEach((rule, i) => {
    const path = ['rules', i];
    rule.from?.forEach((from, j) => {
      const source = from.source;
      const sp = [...path, 'from', j, 'source'];
      if (!source || Object.keys(source).length === 0) {
        f.add(sp, 'source must set at least one field');
        return;
      }
      for (const field of ['ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks'] as const) {
        source[field]?.forEach((v, k) => {
          if (!isIpOrCidr(v)) f.add([...sp, field, k], `"${v}" is not an IP address or CIDR block`);
        });
      }
      const usesServiceAccounts = source.serviceAccounts || source.notServiceAccounts;
      if (usesServiceAccounts && (source.principals || source.notPrincipals || source.namespaces || source.notNamespaces)) {
        f.add(sp, 'serviceAccounts cannot be combined with principals or namespaces');
      }
    });
    rule.to?.forEach((to, j) => {
      const op = to.operation;
      const opPath = [...path, 'to', j, 'operation'];
      if (!op || Object.keys(op).length === 0) {
        f.add(opPath, 'operation must set at least one field');
        return;
      }
      for (const field of ['ports', 'notPorts'] as const) {
        op[field]?.forEach((port, k) => {
          const n = /^\d{1,5}$/.test(port) ? Number(port) : NaN;
          if (!(n >= 1 && n <= 65535)) f.add([...opPath, field, k], `"${port}" is not a port number between 1 and 65535`);
        });
      }
      for (const field of ['hosts', 'notHosts', 'methods', 'notMethods', 'paths', 'notPaths'] as const) {
        op[field]?.forEach((v, k) => {
          if (v === '') f.add([...opPath, field, k], 'must not be empty');
        });
      }
      for (const field of ['paths', 'notPaths'] as const) {
        op[field]?.forEach((v, k) => f.add([...opPath, field, k], pathTemplateProblem(v)));
      }
    });
    rule.when?.forEach((condition, j) => {
      const cp = [...path, 'when', j];
      const key = condition.key;
      const refused = Object.hasOwn(REFUSED_KEYS, key) ? REFUSED_KEYS[key] : key.startsWith('destination.labels[') ? 'destination.labels is replaced by the policy\'s selector' : undefined;
      if (refused) f.add([...cp, 'key'], refused);
      else if (!PLAIN_KEYS.has(key) && !BRACKETED.test(key) && !key.startsWith('experimental.envoy.filters.')) {
        f.add([...cp, 'key'], `"${key}" is not a supported condition key (e.g. request.headers[name], source.ip, request.auth.claims[iss], destination.port)`);
      }
      if (!condition.values?.length && !condition.notValues?.length) f.add(cp, 'set values or notValues');
      for (const field of ['values', 'notValues'] as const) {
        condition[field]?.forEach((v, k) => {
          if (IP_KEYS.has(key) && !isIpOrCidr(v)) f.add([...cp, field, k], `"${v}" is not an IP address or CIDR block`);
          if (key === 'destination.port' && !(/^\d{1,5}$/.test(v) && Number(v) >= 1 && Number(v) <= 65535)) {
            f.add([...cp, field, k], `"${v}" is not a port number between 1 and 65535`);
          }
        });
      }
    });
  });
  return f;
}
