import { Command, InvalidArgumentError } from 'commander';
import { stringify } from 'yaml';
import { PROXY_IMAGE } from '../../release/images.ts';
import { usageError } from '../cli-error.ts';
import { CommandContext, type CliIo } from '../command-context.ts';
import type { InstallOptions } from '../kubernetes/install-manifests.ts';

interface InstallKubernetesFlags {
  tenant: string;
  server: string;
  xds?: string;
  image: string;
  failOpen: boolean;
  nativeSidecars: boolean;
  timeoutSeconds: number;
  namespace: string;
  replicas: number;
  certValidityDays: number;
  cluster?: string;
}

function integerIn(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) throw new InvalidArgumentError(`must be an integer from ${min} to ${max}`);
    return n;
  };
}

/** `trellis install kubernetes`: prints the injector's manifests (YAML stream, or a List with -o json). */
export function installKubernetesCommand(io: CliIo): Command {
  return new Command('kubernetes')
    .description('Print the manifests of the sidecar-injection webhook and, with --cluster, the cluster agent for a Kubernetes cluster (pipe into kubectl apply -f -)')
    .requiredOption('--server <url>', 'Trellis API URL, as the pods of the cluster reach it')
    .option('--xds <host:port>', 'xDS server, as the pods reach it (default: the --server host, port 18000)')
    .option('--image <image>', 'Trellis proxy image for the webhook and the injected containers (trellis-agent, Envoy, iptables)', PROXY_IMAGE)
    .option('--tenant <id>', 'tenant whose registered EKS cluster vouches for the pods', 'default')
    .option('--fail-open', 'if the webhook is down or refuses, admit pods without a sidecar (failurePolicy: Ignore)', false)
    .option('--native-sidecars', 'inject the proxy as a native sidecar (Kubernetes ≥1.29; the default)', true)
    .option('--no-native-sidecars', 'inject the proxy as a regular container (older clusters)')
    .option('--timeout-seconds <n>', 'how long the API server waits for the webhook', integerIn(1, 30), 10)
    .option('--namespace <ns>', 'namespace of the webhook', 'trellis-system')
    .option('--replicas <n>', 'webhook replicas', integerIn(1, 10), 2)
    .option('--cert-validity-days <n>', 'lifetime of the serving certificate', integerIn(1, 3650), 365)
    .option('--cluster <name>', "add the cluster agent, which mirrors the meshed namespaces' Services and endpoints, for this EKS cluster registration of the mesh")
    .action(async (flags: InstallKubernetesFlags, cmd: Command) => {
      const ctx = CommandContext.of(io, cmd);
      let server: URL;
      try {
        server = new URL(flags.server);
      } catch {
        throw usageError(`--server "${flags.server}" is not a URL`, 'e.g. --server https://trellis.example.com');
      }
      const options: InstallOptions = {
        tenant: flags.tenant,
        mesh: ctx.mesh(),
        server: flags.server,
        xds: flags.xds ?? `${server.hostname}:18000`,
        image: flags.image,
        failOpen: flags.failOpen,
        nativeSidecars: flags.nativeSidecars,
        timeoutSeconds: flags.timeoutSeconds,
        namespace: flags.namespace,
        replicas: flags.replicas,
      };
      // X.509 loads only when the command runs, not for every `trellis` start.
      const [{ installManifests }, { createWebhookCertificate }] = await Promise.all([import('../kubernetes/install-manifests.ts'), import('../kubernetes/webhook-certificate.ts')]);
      const cert = await createWebhookCertificate({ service: 'trellis-injector', namespace: flags.namespace, validityDays: flags.certValidityDays });
      const objects = installManifests(options, cert);
      if (flags.cluster) {
        if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(flags.cluster)) throw usageError(`--cluster "${flags.cluster}" is not a registration name (a DNS label)`, 'the name of PUT /v1/meshes/{mesh}/attestation/eks-clusters/{name}');
        const { clusterAgentManifests } = await import('../kubernetes/cluster-agent-manifests.ts');
        objects.push(...clusterAgentManifests({ tenant: flags.tenant, mesh: options.mesh, server: flags.server, image: flags.image, namespace: flags.namespace, cluster: flags.cluster }));
      } else {
        ctx.err('no --cluster: the cluster agent is not installed, so the Services of meshed namespaces do not join the mesh');
      }
      if (ctx.options.output === 'json') ctx.out(JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }, null, 2));
      else ctx.out(objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n'));
    });
}

/** `trellis install ...`. */
export function registerInstall(program: Command, io: CliIo): void {
  const install = program.command('install').description('Generate what Trellis needs inside a platform');
  // Built apart from its parent, so it takes the parent's exit and output handling explicitly.
  install.addCommand(installKubernetesCommand(io).copyInheritedSettings(install));
}
