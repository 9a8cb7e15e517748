import { Command, Option } from 'commander';
import { label, portNumber, xdsOption } from './arguments.ts';

/** `trellis-agent bootstrap ...`: prints (or writes) the Envoy bootstrap of a local sidecar. */
export function bootstrapCommand(): Command {
  return new Command('bootstrap')
    .description('Print the Envoy bootstrap (YAML) for a workload sidecar pointing at the Trellis xDS server')
    .requiredOption('--mesh <mesh>', 'mesh name')
    .requiredOption('--namespace <ns>', 'namespace of the workload')
    .requiredOption('--service-account <sa>', 'service account of the workload')
    .requiredOption('--workload <name>', 'workload name')
    .requiredOption('--address <ip>', 'IP address peers reach this workload on')
    .requiredOption('--port <port>', 'port the application listens on (127.0.0.1)', portNumber)
    .option('--label <k=v>', 'workload label (repeatable)', label, {})
    .option('--admin-port <n>', 'Envoy admin port', portNumber, 15000)
    .option('--outbound-port <n>', 'local outbound HTTP listener port', portNumber, 15001)
    .option('--inbound-port <n>', "Envoy's inbound listener port", portNumber, 15006)
    .option('--group <name>', 'WorkloadGroup (in the namespace) this workload joins: its template fixes the service account and labels the workload is selected by')
    .option('--locality <region/zone/subzone>', 'where this workload runs, for locality failover and distribution')
    .option('--tenant <tenant>', 'tenant (plaintext local mode only; with mTLS it comes from the certificate)', 'default')
    .addOption(xdsOption('xDS server address'))
    .addOption(new Option('--protocol <p>', 'xDS protocol').choices(['delta', 'sotw']).default('delta'))
    .option('-o, --output <file>', 'write to a file (mode 0600) instead of stdout')
    .action(async (opts: Record<string, unknown>, cmd: Command) => {
      const { emitBootstrap } = await import('./emit-bootstrap.ts');
      emitBootstrap(cmd, 'workload', {
        TRELLIS_TENANT: opts.tenant,
        TRELLIS_MESH: opts.mesh,
        TRELLIS_PROXY_KIND: 'sidecar',
        NAMESPACE: opts.namespace,
        SERVICE_ACCOUNT: opts.serviceAccount,
        WORKLOAD_NAME: opts.workload,
        LABELS: opts.label,
        INSTANCE_IP: opts.address,
        APP_PORT: opts.port,
        INBOUND_PORT: opts.inboundPort,
        OUTBOUND_PORT: opts.outboundPort,
        ...(opts.locality ? { LOCALITY: opts.locality } : {}),
        ...(opts.group ? { AUTO_REGISTER_GROUP: opts.group } : {}),
      }, opts);
    });
}
