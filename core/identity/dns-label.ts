/** RFC 1123 label as Kubernetes uses it for namespaces: lower-case, 1–63 characters. */
const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export function isDnsLabel(value: string): boolean {
  return DNS_LABEL.test(value);
}

/** Lower-case DNS name: dot-separated DNS labels, at most 253 characters. */
export function isDnsName(value: string): boolean {
  return value.length <= 253 && value.split('.').every(isDnsLabel);
}
