import { isIpAddress } from '../formats/ip.ts';
import type { SidecarSpec } from '../schemas/sidecar.ts';
import { Findings } from './collector.ts';
import { checkNamespacedHost, checkUnique } from './common.ts';
import { protocolProblem } from './protocol.ts';
import { checkServerTls } from './server-tls.ts';

const DEFAULT_ENDPOINT = /^(?:127\.0\.0\.1|0\.0\.0\.0|\[::1\]|\[::\]):(\d{1,5})$/;

export function validateSidecar(spec: SidecarSpec): Findings {
  const f = new Findings();
  if (!spec.egress?.length && !spec.ingress?.length && !spec.outboundTrafficPolicy && !spec.inboundConnectionPool) {
    f.add([], 'a Sidecar must set at least one of egress, ingress, outboundTrafficPolicy or inboundConnectionPool');
  }
  spec.ingress?.forEach((listener, i) => {
    const path = ['ingress', i];
    if (listener.port.number === undefined) f.add([...path, 'port', 'number'], 'an ingress listener needs a port number');
    if (listener.port.protocol !== undefined) f.add([...path, 'port', 'protocol'], protocolProblem(listener.port.protocol));
    if (listener.bind !== undefined && !isIpAddress(listener.bind)) f.add([...path, 'bind'], `bind "${listener.bind}" must be an IP address`);
    const endpoint = listener.defaultEndpoint;
    if (endpoint !== undefined && !endpoint.startsWith('unix://')) {
      const port = DEFAULT_ENDPOINT.exec(endpoint)?.[1];
      if (port === undefined || Number(port) < 1 || Number(port) > 65535) {
        f.add([...path, 'defaultEndpoint'], `defaultEndpoint "${endpoint}" must be 127.0.0.1:PORT, 0.0.0.0:PORT, [::1]:PORT, [::]:PORT or unix://path`);
      }
    }
    checkServerTls(f, [...path, 'tls'], listener.tls);
  });
  checkUnique(f, spec.ingress, (l) => l.port.number, (i) => ['ingress', i, 'port', 'number'], 'ingress port');

  const egress = spec.egress ?? [];
  egress.forEach((listener, i) => {
    const path = ['egress', i];
    if (listener.hosts.length === 0) f.add([...path, 'hosts'], 'an egress listener needs at least one host');
    listener.hosts.forEach((h, j) => checkNamespacedHost(f, [...path, 'hosts', j], h, true));
    if (listener.port?.protocol !== undefined) f.add([...path, 'port', 'protocol'], protocolProblem(listener.port.protocol));
    if (listener.bind !== undefined && !isIpAddress(listener.bind) && !listener.bind.startsWith('unix://')) {
      f.add([...path, 'bind'], `bind "${listener.bind}" must be an IP address or unix:// socket path`);
    }
    if (listener.port?.number === undefined && i !== egress.length - 1) {
      f.add([...path, 'port'], 'only the last egress listener may omit the port (it catches everything else)');
    }
  });
  checkUnique(f, egress, (l) => l.port?.number, (i) => ['egress', i, 'port', 'number'], 'egress port');

  const outbound = spec.outboundTrafficPolicy;
  if (outbound?.egressProxy && outbound.mode !== 'ALLOW_ANY') {
    f.add(['outboundTrafficPolicy', 'egressProxy'], 'egressProxy can only be set when mode is ALLOW_ANY');
  }
  return f;
}
