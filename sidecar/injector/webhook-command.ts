import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { pino } from 'pino';
import { LOG_LEVELS, type LogLevel } from './annotations.ts';
import { DEFAULT_INJECTION_CONFIG, type InjectionConfig } from './injection-config.ts';
import { inClusterApi, namespaceLabelsFrom } from './kube-namespace-labels.ts';
import { cidrSelectionArgument, cidrsArgument, hostPortArgument, portArgument, positiveIntegerArgument, uidArgument } from './command-arguments.ts';
import { DEFAULT_MAX_BODY_BYTES, WEBHOOK_PORT, startWebhookServer } from './webhook-server.ts';

interface WebhookOptions {
  tenant: string;
  mesh: string;
  api: string;
  xds?: string;
  image: string;
  envoyPath: string;
  nativeSidecars: boolean;
  failOpen: boolean;
  proxyUid: number;
  logLevel: LogLevel;
  proxyCpu: string;
  proxyMemory: string;
  proxyCpuLimit?: string;
  proxyMemoryLimit?: string;
  includeOutboundIpRanges: InjectionConfig['includeOutboundIpRanges'];
  excludeOutboundIpRanges: string[];
  tlsCert: string;
  tlsKey: string;
  port: number;
  maxBodyBytes: number;
  checkNamespace: boolean;
}

/** The xDS address defaults to the API's host on the xDS port. */
function xdsAddress(api: string, xds: string | undefined): string {
  return xds ?? `${new URL(api).hostname}:18000`;
}

/** `trellis-agent inject-webhook ...`: serves the Kubernetes mutating admission webhook that injects the proxy. */
export function webhookCommand(): Command {
  const d = DEFAULT_INJECTION_CONFIG;
  return new Command('inject-webhook')
    .description('Serve the Kubernetes sidecar-injection webhook (AdmissionReview v1 over HTTPS)')
    .option('--tenant <id>', 'tenant whose registered EKS cluster vouches for the pods', 'default')
    .requiredOption('--mesh <mesh>', 'mesh the injected proxies join')
    .requiredOption('--api <url>', 'Trellis API URL the agents use')
    .option('--xds <host:port>', 'xDS server the proxies use (default: the API host, port 18000)', hostPortArgument)
    .requiredOption('--image <image>', 'Trellis image (trellis-agent and Envoy) for the injected containers')
    .option('--envoy-path <path>', 'Envoy inside the image', d.envoyPath)
    .option('--no-native-sidecars', 'inject the proxy as a regular container (clusters before Kubernetes 1.29)')
    .option('--fail-open', 'admit pods with invalid proxy annotations uninjected instead of refusing them', false)
    .option('--proxy-uid <uid>', 'UID of the proxy', uidArgument, d.proxyUid)
    .addOption(new Option('--log-level <level>', 'default proxy log level').choices(LOG_LEVELS).default(d.logLevel))
    .option('--proxy-cpu <q>', 'default proxy CPU request', d.resources.cpu)
    .option('--proxy-memory <q>', 'default proxy memory request', d.resources.memory)
    .option('--proxy-cpu-limit <q>', 'default proxy CPU limit')
    .option('--proxy-memory-limit <q>', 'default proxy memory limit')
    .option('--include-outbound-ip-ranges <list>', "outbound destinations sent to Envoy: '*' or IPv4 CIDRs", cidrSelectionArgument, d.includeOutboundIpRanges)
    .option('--exclude-outbound-ip-ranges <list>', 'outbound IPv4 CIDRs never redirected', cidrsArgument, d.excludeOutboundIpRanges)
    .requiredOption('--tls-cert <file>', 'serving certificate (PEM)')
    .requiredOption('--tls-key <file>', 'serving key (PEM)')
    .option('--port <n>', 'HTTPS port', portArgument, WEBHOOK_PORT)
    .option('--max-body-bytes <n>', 'largest AdmissionReview accepted', positiveIntegerArgument, DEFAULT_MAX_BODY_BYTES)
    .option('--no-check-namespace', "skip re-checking the namespace's injection label with the Kubernetes API")
    .action(async (opts: WebhookOptions) => {
      const logger = pino({ level: process.env.TRELLIS_LOG_LEVEL ?? 'info', base: { service: 'trellis-injector' } });
      const config: InjectionConfig = {
        tenant: opts.tenant,
        mesh: opts.mesh,
        apiUrl: opts.api,
        xdsAddress: xdsAddress(opts.api, opts.xds),
        image: opts.image,
        envoyPath: opts.envoyPath,
        nativeSidecars: opts.nativeSidecars,
        failOpen: opts.failOpen,
        proxyUid: opts.proxyUid,
        logLevel: opts.logLevel,
        resources: {
          cpu: opts.proxyCpu,
          memory: opts.proxyMemory,
          ...(opts.proxyCpuLimit ? { cpuLimit: opts.proxyCpuLimit } : {}),
          ...(opts.proxyMemoryLimit ? { memoryLimit: opts.proxyMemoryLimit } : {}),
        },
        includeOutboundIpRanges: opts.includeOutboundIpRanges,
        excludeOutboundIpRanges: opts.excludeOutboundIpRanges,
      };
      const server = await startWebhookServer({
        config,
        tls: { cert: readFileSync(opts.tlsCert, 'utf8'), key: readFileSync(opts.tlsKey, 'utf8') },
        port: opts.port,
        maxBodyBytes: opts.maxBodyBytes,
        ...(opts.checkNamespace ? { namespaceLabels: namespaceLabelsFrom(inClusterApi()) } : {}),
        logger,
      });
      logger.info({ port: server.port, mesh: config.mesh, nativeSidecars: config.nativeSidecars, failOpen: config.failOpen }, 'injection webhook serving');
      const stop = () => void server.close().then(() => process.exit(0));
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    });
}
