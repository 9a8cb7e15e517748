import { Command, Option } from 'commander';
import { XDS_SERVER_SPIFFE_ID } from '../../core/identity/trust-domain-policy.ts';
import { DEFAULT_ROTATION } from '../agent/rotation.ts';
import { label, loopbackHttpUrl, portNumber, portOrZero, positiveInteger, ratio, repeatable, xdsOption } from './arguments.ts';
import { DEFAULT_EKS_TOKEN_PATH } from '../agent/attestation/eks-attestor.ts';

/** `trellis-agent run ...`: the long-running sidecar agent. */
export function runCommand(): Command {
  return new Command('run')
    .description('Run the sidecar agent: certificate from a join token or platform attestation (EKS, ECS), SDS for Envoy on a Unix socket, rotation, optional Envoy supervision, /ready, merged Prometheus metrics')
    .option('--api <url>', 'Trellis API URL (or TRELLIS_URL)', process.env.TRELLIS_URL ?? 'http://127.0.0.1:8080')
    .option('--join-token <token>', 'join token for the first certificate (or TRELLIS_JOIN_TOKEN)')
    .option('--join-token-file <file>', 'read the join token from a file')
    .option('--mesh <mesh>', 'mesh name (default: from the join token; or TRELLIS_MESH)', process.env.TRELLIS_MESH)
    .option('--namespace <ns>', 'namespace (default: from the join token; or TRELLIS_NAMESPACE)', process.env.TRELLIS_NAMESPACE)
    .option('--service-account <sa>', 'service account (default: from the join token; or TRELLIS_SERVICE_ACCOUNT)', process.env.TRELLIS_SERVICE_ACCOUNT)
    .option('--spiffe-id <spiffe-id>', 'state the identity the join token buys (its `spiffeId`) in the CSR: needed where the CA copies the CSR\'s SAN (ACM PCA without API passthrough, moto)')
    .addOption(new Option('--attest <platform>', 'prove identity with the platform instead of a join token').choices(['eks', 'ecs']))
    .option('--token-path <file>', `--attest eks: the projected service-account token (default ${DEFAULT_EKS_TOKEN_PATH})`)
    .option('--tenant <id>', 'tenant whose registered clusters and roles vouch for this workload (or TRELLIS_TENANT)', process.env.TRELLIS_TENANT ?? 'default')
    .option('--sts-endpoint <url>', '--attest ecs: STS endpoint to sign for (default: the region\'s public endpoint; AWS_REGION picks the region)')
    .requiredOption('--workload <name>', 'workload name')
    .requiredOption('--address <ip>', 'IP address peers reach this workload on (`ecs-task`: the task IP from the ECS metadata endpoint)')
    .option('--port <port>', 'port the application listens on (127.0.0.1)', portNumber)
    .option('--label <k=v>', 'workload label (repeatable)', label, {})
    .option('--admin-port <n>', 'Envoy admin port', portNumber, 15000)
    .option('--outbound-port <n>', 'local outbound HTTP listener port', portNumber, 15001)
    .option('--inbound-port <n>', "Envoy's inbound listener port", portNumber, 15006)
    .option('--group <name>', 'WorkloadGroup (in the namespace) this workload joins: its template fixes the service account and labels the workload is selected by')
    .option('--locality <region/zone/subzone>', 'where this workload runs, for locality failover and distribution')
    .addOption(new Option('--interception <mode>', 'REDIRECT: iptables or ECS redirect all app traffic to Envoy; NONE: local mode (127.0.0.1:15001 by Host)').choices(['NONE', 'REDIRECT']).default('NONE'))
    .addOption(xdsOption('xDS server address (or TRELLIS_XDS)', process.env.TRELLIS_XDS || undefined))
    .addOption(new Option('--protocol <p>', 'xDS protocol').choices(['delta', 'sotw']).default('delta'))
    .option('--xds-mtls', 'reach the xDS server over mTLS with the workload certificate (server started with TRELLIS_XDS_MTLS=true)', false)
    .option('--xds-server-id <spiffe-id>', 'SPIFFE ID the xDS server must present', XDS_SERVER_SPIFFE_ID)
    .option('--work-dir <dir>', 'where the SDS socket and the Envoy bootstrap go (0700)', '.trellis-agent')
    .option('--sds-socket <path>', 'SDS Unix socket (default <work-dir>/sds.sock)')
    .option('--key-file <file>', 'keep the private key in this 0600 file (default: memory only)')
    .option('--envoy-path <path>', 'run and supervise Envoy (restart on crash, drain on SIGTERM)')
    .option('--envoy-arg <arg>', 'extra Envoy argument (repeatable)', repeatable, [])
    .option('--drain-seconds <n>', 'how long Envoy drains on SIGTERM', positiveInteger, 5)
    .option('--ready-port <n>', 'loopback port of GET /ready', portNumber, 15021)
    .option('--metrics-port <n>', 'port of GET /stats/prometheus (Envoy, Istio standard metrics, agent, app merged) and /healthz on all interfaces; 0 turns it off', portOrZero, 15020)
    .addOption(new Option('--envoy-stats <which>', "Envoy's own stats: all, or mesh (of each cluster only what the Istio metrics, dashboards and xDS health read)").choices(['all', 'mesh']).default('all'))
    .option('--signals-interval <seconds>', 'report request counts and durations per service to the control plane this often (GET .../services/{namespace}/{host}/signals, trellis top); 0 turns it off', (v: string) => (v === '0' ? 0 : positiveInteger(v)), 10)
    .option('--app-metrics-url <url>', "the app's Prometheus endpoint on loopback (http://127.0.0.1:PORT/metrics), merged into /stats/prometheus", loopbackHttpUrl)
    .option('--ttl <seconds>', 'certificate lifetime to ask for (capped by the mesh)', positiveInteger)
    .option('--rotation-ratio <r>', 'renew after this share of the lifetime', ratio, DEFAULT_ROTATION.ratio)
    .action(async (opts: Record<string, unknown>, cmd: Command) => (await import('./run-agent.ts')).runAgent(opts, cmd));
}
