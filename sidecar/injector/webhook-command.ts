import { Command, Option } from 'commander';
import { LOG_LEVELS } from './annotations.ts';
import { DEFAULT_INJECTION_CONFIG } from './injection-config.ts';
import { cidrSelectionArgument, cidrsArgument, hostPortArgument, portArgument, positiveIntegerArgument, uidArgument } from './command-arguments.ts';
import { DEFAULT_MAX_BODY_BYTES, WEBHOOK_PORT } from './webhook-server.ts';
import type { WebhookOptions } from './webhook-serve.ts';

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
    .action(async (opts: WebhookOptions) => (await import('./webhook-serve.ts')).serveWebhook(opts));
}
