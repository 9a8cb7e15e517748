/** Protocol names Istio recognises in `appProtocol` and in port names, as Trellis spells them. */
const KNOWN: Record<string, string> = {
  http: 'HTTP',
  http2: 'HTTP2',
  https: 'HTTPS',
  grpc: 'GRPC',
  'grpc-web': 'GRPC-WEB',
  http_proxy: 'HTTP_PROXY',
  tcp: 'TCP',
  tls: 'TLS',
  udp: 'UDP',
  mongo: 'MONGO',
  redis: 'REDIS',
  mysql: 'MYSQL',
};

/** appProtocol values Kubernetes defines (KEP-3726) and what they mean to Istio. */
const KUBERNETES_APP_PROTOCOLS: Record<string, string> = {
  'kubernetes.io/h2c': 'HTTP2',
  'kubernetes.io/ws': 'HTTP',
  'kubernetes.io/wss': 'HTTPS',
};

export interface KubernetesServicePort {
  name?: string | undefined;
  /** The Kubernetes transport: TCP (default), UDP or SCTP. */
  protocol?: string | undefined;
  appProtocol?: string | undefined;
}

/**
 * A Service port's protocol as Istio reads it: UDP transport first; otherwise `appProtocol` when
 * set, else the port name — whole or its prefix before the first `-` (`http-web`, `grpc`);
 * undefined when that names no protocol (Istio would sniff it).
 */
export function kubernetesPortProtocol(port: KubernetesServicePort): string | undefined {
  if (port.protocol === 'UDP') return 'UDP';
  const name = (port.appProtocol || port.name || '').toLowerCase();
  if (port.appProtocol && KUBERNETES_APP_PROTOCOLS[name]) return KUBERNETES_APP_PROTOCOLS[name];
  // `grpc-web` holds a dash, so it is read before the prefix.
  if (name === 'grpc-web' || name.startsWith('grpc-web-')) return 'GRPC-WEB';
  const dash = name.indexOf('-');
  return KNOWN[dash >= 0 ? name.slice(0, dash) : name];
}
