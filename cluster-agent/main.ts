import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { pino } from 'pino';
import { ClusterAgent } from './cluster-agent.ts';

/** Where a pod finds its own service-account credentials for the API server. */
const IN_CLUSTER = '/var/run/secrets/kubernetes.io/serviceaccount';

function positive(value: string): number {
  const n = Number(value);
  if (!(n > 0 && n <= 1000)) throw new InvalidArgumentError('must be a number above 0, at most 1000');
  return n;
}

interface Flags {
  server: string;
  tenant: string;
  mesh: string;
  cluster: string;
  trellisTokenFile: string;
  kubeUrl?: string;
  kubeCaFile: string;
  kubeTokenFile: string;
  maxWritesPerSecond: number;
}

const program = new Command('trellis-cluster-agent')
  .description("Mirror the Services and ready endpoints of a cluster's meshed namespaces into a Trellis mesh (read-only in the cluster)")
  .requiredOption('--server <url>', 'Trellis API URL')
  .requiredOption('--mesh <name>', 'mesh the namespaces belong to')
  .requiredOption('--cluster <name>', "the cluster's EKS registration in the mesh (PUT /v1/meshes/{mesh}/attestation/eks-clusters/{name})")
  .option('--tenant <id>', 'tenant of the mesh', 'default')
  .option('--trellis-token-file <path>', 'projected service-account token with the registration\'s audience', '/var/run/secrets/trellis/token')
  .option('--kube-url <url>', 'API server URL (default: https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT)')
  .option('--kube-ca-file <path>', "API server CA bundle", `${IN_CLUSTER}/ca.crt`)
  .option('--kube-token-file <path>', 'token for the API server', `${IN_CLUSTER}/token`)
  .option('--max-writes-per-second <n>', 'namespace writes to Trellis per second, at most', positive, 5)
  .action(async (flags: Flags) => {
    const logger = pino({ level: process.env.TRELLIS_LOG_LEVEL ?? 'info', base: { service: 'trellis-cluster-agent' } });
    const host = process.env.KUBERNETES_SERVICE_HOST;
    const kubeUrl = flags.kubeUrl ?? (host ? `https://${host.includes(':') ? `[${host}]` : host}:${process.env.KUBERNETES_SERVICE_PORT ?? '443'}` : undefined);
    if (!kubeUrl) throw new InvalidArgumentError('--kube-url is needed outside a pod (KUBERNETES_SERVICE_HOST is not set)');
    const agent = new ClusterAgent({
      kube: { url: kubeUrl, ca: readFileSync(flags.kubeCaFile, 'utf8'), tokenFile: flags.kubeTokenFile },
      server: flags.server,
      tenant: flags.tenant,
      mesh: flags.mesh,
      cluster: flags.cluster,
      trellisTokenFile: flags.trellisTokenFile,
      maxWritesPerSecond: flags.maxWritesPerSecond,
      logger,
    });
    agent.start();
    logger.info({ kubeUrl, server: flags.server, mesh: flags.mesh, cluster: flags.cluster }, 'cluster agent started');
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => {
        logger.info({ signal, ...agent.stats() }, 'stopping');
        void agent.stop().then(() => process.exit(0));
      });
    }
  });

await program.parseAsync(process.argv);
