/** Protocol names Istio understands on ports (matched case-insensitively). */
const PROTOCOLS = new Set([
  'HTTP', 'HTTPS', 'GRPC', 'GRPC-WEB', 'HTTP2', 'HTTP_PROXY', 'MONGO', 'MYSQL', 'REDIS', 'TCP', 'TLS', 'UDP', 'THRIFT', 'UNSUPPORTED',
]);

export function protocolProblem(protocol: string): string | undefined {
  if (PROTOCOLS.has(protocol.toUpperCase())) return undefined;
  return `"${protocol}" is not a protocol Istio supports (HTTP, HTTPS, GRPC, HTTP2, TCP, TLS, MONGO, MYSQL, REDIS, UDP...)`;
}

/** Protocols whose gateway servers must carry TLS settings. */
export function needsTls(protocol: string): boolean {
  const p = protocol.toUpperCase();
  return p === 'HTTPS' || p === 'TLS';
}
