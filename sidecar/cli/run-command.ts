import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import { pino } from 'pino';
import { DEFAULT_XDS_PORT, NodeMetadataSchema } from '../../core/proxies/node-metadata.ts';
import { XDS_SERVER_SPIFFE_ID } from '../../core/identity/trust-domain-policy.ts';
import { Agent } from '../agent/agent.ts';
import { DEFAULT_ROTATION } from '../agent/rotation.ts';
import { hostPort, label, portNumber, positiveInteger, ratio, repeatable } from './arguments.ts';
import { firstCredential } from './first-credential.ts';
import { ecsTaskAddress } from '../agent/attestation/ecs-task-address.ts';
import { DEFAULT_EKS_TOKEN_PATH } from '../agent/attestation/eks-attestor.ts';

/** What the token says about itself (unverified: it only fills defaults; the API checks the token). */
function tokenScope(token: string): Record<string, string> {
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
    return Object.fromEntries(['tenant', 'mesh', 'namespace', 'serviceAccount'].flatMap((k) => (typeof claims[k] === 'string' ? [[k, claims[k] as string]] : [])));
  } catch {
    return {};
  }
}

/** `trellis-agent run ...`: the long-running sidecar agent. */
export function runCommand(): Command {
  return new Command('run')
    .description('Run the sidecar agent: certificate from a join token or platform attestation (EKS, ECS), SDS for Envoy on a Unix socket, rotation, optional Envoy supervision, /ready')
    .option('--api <url>', 'Trellis API URL (or TRELLIS_URL)', process.env.TRELLIS_URL ?? 'http://127.0.0.1:8080')
    .option('--join-token <token>', 'join token for the first certificate (or TRELLIS_JOIN_TOKEN)')
    .option('--join-token-file <file>', 'read the join token from a file')
    .option('--mesh <mesh>', 'mesh name (default: from the join token; or TRELLIS_MESH)', process.env.TRELLIS_MESH)
    .option('--namespace <ns>', 'namespace (default: from the join token; or TRELLIS_NAMESPACE)', process.env.TRELLIS_NAMESPACE)
    .option('--service-account <sa>', 'service account (default: from the join token; or TRELLIS_SERVICE_ACCOUNT)', process.env.TRELLIS_SERVICE_ACCOUNT)
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
    .option('--locality <region/zone/subzone>', 'where this workload runs, for locality failover and distribution')
    .addOption(new Option('--interception <mode>', 'REDIRECT: iptables or ECS redirect all app traffic to Envoy; NONE: local mode (127.0.0.1:15001 by Host)').choices(['NONE', 'REDIRECT']).default('NONE'))
    .option('--xds <host:port>', 'xDS server address (or TRELLIS_XDS)', hostPort, process.env.TRELLIS_XDS ? hostPort(process.env.TRELLIS_XDS) : { host: '127.0.0.1', port: DEFAULT_XDS_PORT })
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
    .option('--ttl <seconds>', 'certificate lifetime to ask for (capped by the mesh)', positiveInteger)
    .option('--rotation-ratio <r>', 'renew after this share of the lifetime', ratio, DEFAULT_ROTATION.ratio)
    .action(async (opts: Record<string, unknown>, cmd: Command) => {
      const first = firstCredential(opts, cmd);
      const address = opts.address === 'ecs-task' ? await ecsTaskAddress() : opts.address;
      const scope = first.joinToken ? tokenScope(first.joinToken) : first.scope;
      const metadata = NodeMetadataSchema.safeParse({
        TRELLIS_TENANT: scope.tenant ?? 'default',
        TRELLIS_MESH: opts.mesh ?? scope.mesh,
        TRELLIS_PROXY_KIND: 'sidecar',
        NAMESPACE: opts.namespace ?? scope.namespace,
        SERVICE_ACCOUNT: opts.serviceAccount ?? scope.serviceAccount,
        WORKLOAD_NAME: opts.workload,
        LABELS: opts.label,
        INSTANCE_IP: address,
        ...(opts.port !== undefined ? { APP_PORT: opts.port, INBOUND_PORT: opts.inboundPort } : {}),
        OUTBOUND_PORT: opts.outboundPort,
        ...(opts.locality ? { LOCALITY: opts.locality } : {}),
        ...(opts.interception === 'REDIRECT' ? { INTERCEPTION_MODE: 'REDIRECT' } : {}),
      });
      if (!metadata.success) {
        const problems = metadata.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
        cmd.error(`error: invalid workload description:\n${problems}`, { exitCode: 2 });
      }
      const workDir = path.resolve(opts.workDir as string);
      mkdirSync(workDir, { recursive: true, mode: 0o700 });
      const logger = pino({ level: process.env.TRELLIS_LOG_LEVEL ?? 'info', base: { service: 'trellis-agent' } });
      const agent = new Agent({
        apiUrl: opts.api as string,
        mesh: metadata.data!.TRELLIS_MESH,
        ...(first.joinToken ? { joinToken: first.joinToken } : { attestor: first.attestor! }),
        sdsSocketPath: (opts.sdsSocket as string | undefined) ?? path.join(workDir, 'sds.sock'),
        ...(typeof opts.keyFile === 'string' ? { keyFile: opts.keyFile } : {}),
        bootstrap: {
          path: path.join(workDir, 'envoy-bootstrap.yaml'),
          options: {
            metadata: metadata.data!,
            xdsAddress: opts.xds as { host: string; port: number },
            adminPort: opts.adminPort as number,
            protocol: opts.protocol as 'delta' | 'sotw',
            ...(opts.xdsMtls ? { xdsServerSpiffeId: opts.xdsServerId as string } : {}),
          },
        },
        ...(typeof opts.envoyPath === 'string' ? { envoy: { path: opts.envoyPath, args: opts.envoyArg as string[], drainMs: (opts.drainSeconds as number) * 1000 } } : {}),
        readyPort: opts.readyPort as number,
        ...(opts.ttl ? { ttlSeconds: opts.ttl as number } : {}),
        rotation: { ratio: opts.rotationRatio as number, jitter: Math.min(DEFAULT_ROTATION.jitter, (opts.rotationRatio as number) / 2) },
        logger,
      });
      await agent.start();
      logger.info({ readyPort: agent.readyPort, workDir }, 'agent started');
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        logger.info({ signal }, 'draining and stopping');
        agent.stop().then(
          () => process.exit(0),
          (err: unknown) => {
            logger.error({ err }, 'stop failed');
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
      await agent.whenCertified().catch((err: unknown) => {
        logger.fatal({ err }, `no certificate: the ${first.attestor ? 'attestation' : 'join token'} was refused`);
        void agent.stop().finally(() => process.exit(1));
      });
    });
}
