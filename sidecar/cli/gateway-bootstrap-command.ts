import { Command, Option } from 'commander';
import { label, portNumber, xdsOption } from './arguments.ts';

/** `--port-map 443=18443` (repeatable) → `{ "443": 18443 }`. */
function portMapping(value: string, previous: Record<string, number>): Record<string, number> {
  const [from, to] = value.split('=');
  return { ...previous, [String(portNumber(from ?? ''))]: portNumber(to ?? '') };
}

/** `trellis-agent gateway-bootstrap ...`: prints (or writes) the Envoy bootstrap of a gateway (ingress or egress). */
export function gatewayBootstrapCommand(): Command {
  return new Command('gateway-bootstrap')
    .description('Print the Envoy bootstrap (YAML) for a gateway; it serves the Gateways whose selector matches its labels')
    .requiredOption('--mesh <mesh>', 'mesh name')
    .requiredOption('--namespace <ns>', 'namespace of the gateway (uploaded credentials are looked up here)')
    .requiredOption('--workload <name>', 'gateway workload name')
    .option('--service-account <sa>', 'service account of the gateway', 'default')
    .option('--label <k=v>', 'gateway label, matched by Gateway selectors (repeatable), e.g. istio=ingressgateway', label, {})
    .option('--bind <ip>', 'address every Gateway server listens on (default 0.0.0.0; 127.0.0.1 for local mode)')
    .option('--port-offset <n>', 'added to every Gateway server port, to listen unprivileged (443 + 20000 = 20443)', (v) => Number(v))
    .option('--port-map <port=listen>', 'listen on another port for one Gateway server port (repeatable; wins over the offset)', portMapping, {})
    .option('--admin-port <n>', 'Envoy admin port', portNumber, 15000)
    .option('--tenant <tenant>', 'tenant (plaintext local mode only; with mTLS it comes from the certificate)', 'default')
    .addOption(xdsOption('xDS server address'))
    .addOption(new Option('--protocol <p>', 'xDS protocol').choices(['delta', 'sotw']).default('delta'))
    .option('-o, --output <file>', 'write to a file (mode 0600) instead of stdout')
    .action(async (opts: Record<string, unknown>, cmd: Command) => {
      const ports = opts.portMap as Record<string, number>;
      const { emitBootstrap } = await import('./emit-bootstrap.ts');
      emitBootstrap(cmd, 'gateway', {
        TRELLIS_TENANT: opts.tenant,
        TRELLIS_MESH: opts.mesh,
        TRELLIS_PROXY_KIND: 'gateway',
        NAMESPACE: opts.namespace,
        SERVICE_ACCOUNT: opts.serviceAccount,
        WORKLOAD_NAME: opts.workload,
        LABELS: opts.label,
        AUTO_REGISTER: false,
        ...(opts.bind !== undefined ? { GATEWAY_BIND_ADDRESS: opts.bind } : {}),
        ...(opts.portOffset !== undefined ? { GATEWAY_PORT_OFFSET: opts.portOffset } : {}),
        ...(Object.keys(ports).length > 0 ? { GATEWAY_PORTS: ports } : {}),
      }, opts);
    });
}
