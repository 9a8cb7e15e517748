/** Istio host names: DNS names, optionally with a wildcard first label (`*`, `*.example.com`, `*foo.example.com`). */

// Hosts are matched by Envoy virtual hosts and resolved by DNS, both of which take '_' in a label
// (App Mesh names such as color_server.demo.local), so hosts may carry it; resource names may not.
const LABEL = /^[A-Za-z0-9_](?:[-A-Za-z0-9_]*[A-Za-z0-9_])?$/;
const STRICT_LABEL = /^[A-Za-z0-9](?:[-A-Za-z0-9]*[A-Za-z0-9])?$/;
const WILDCARD_LABEL = /^(?:\*|(?:\*|\*-)?[A-Za-z0-9_](?:[-A-Za-z0-9_]*[A-Za-z0-9_])?)$/;
const MAX_HOST_LENGTH = 255;

export function hostProblem(host: string, options: { allowWildcard?: boolean; allowUnderscore?: boolean } = {}): string | undefined {
  const allowWildcard = options.allowWildcard ?? true;
  const validLabel = (label: string) => label.length <= 63 && (options.allowUnderscore === false ? STRICT_LABEL : LABEL).test(label);
  if (host.length === 0) return 'host must not be empty';
  if (host.length > MAX_HOST_LENGTH) return `host is ${host.length} characters; the limit is ${MAX_HOST_LENGTH}`;
  const labels = host.split('.');
  const [first = '', ...rest] = labels;
  if (first.includes('*')) {
    if (!allowWildcard) return `host "${host}" must not contain a wildcard`;
    if (!WILDCARD_LABEL.test(first)) return `host "${host}" has an invalid wildcard: '*' may only start the first label`;
  } else if (!validLabel(first)) {
    return invalidHost(host);
  }
  if (!rest.every(validLabel)) return invalidHost(host);
  return undefined;
}

function invalidHost(host: string): string {
  return `"${host}" is not a valid host name (DNS labels of letters, digits, '-' and '_', separated by '.'; a wildcard only as the first label)`;
}
