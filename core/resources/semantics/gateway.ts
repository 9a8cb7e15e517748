import { isIpAddress } from '../formats/ip.ts';
import type { GatewaySpec } from '../schemas/gateway.ts';
import { Findings } from './collector.ts';
import { checkNamespacedHost, checkUnique } from './common.ts';
import { needsTls, protocolProblem } from './protocol.ts';
import { checkServerTls } from './server-tls.ts';

export function validateGateway(spec: GatewaySpec): Findings {
  const f = new Findings();
  const servers = spec.servers ?? [];
  if (servers.length === 0) f.add(['servers'], 'a Gateway needs at least one server');
  servers.forEach((server, i) => {
    const path = ['servers', i];
    f.add([...path, 'port', 'protocol'], protocolProblem(server.port.protocol));
    if (server.hosts.length === 0) f.add([...path, 'hosts'], 'at least one host is required');
    server.hosts.forEach((h, j) => checkNamespacedHost(f, [...path, 'hosts', j], h, false));
    if (server.bind !== undefined && !isIpAddress(server.bind) && !server.bind.startsWith('unix://')) {
      f.add([...path, 'bind'], `bind "${server.bind}" must be an IP address or a unix:// socket path`);
    }
    const protocol = server.port.protocol.toUpperCase();
    if (needsTls(protocol) && !server.tls) f.add([...path, 'tls'], `a server on ${protocol} needs tls settings`);
    if (protocol === 'HTTP' && server.tls && Object.keys(server.tls).some((k) => k !== 'httpsRedirect')) {
      f.add([...path, 'tls'], 'a plain HTTP server can only set tls.httpsRedirect');
    }
    if (protocol !== 'HTTP') checkServerTls(f, [...path, 'tls'], server.tls);
  });
  checkUnique(f, servers, (s) => s.port.name, (i) => ['servers', i, 'port', 'name'], 'port name');
  checkUnique(f, servers, (s) => s.name, (i) => ['servers', i, 'name'], 'server name');
  return f;
}
