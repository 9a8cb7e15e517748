import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { pino } from 'pino';
import { Agent } from '../agent/agent.ts';
import { DEFAULT_ROTATION } from '../agent/rotation.ts';
import { firstCredential } from './first-credential.ts';
import { ecsTaskAddress } from '../agent/attestation/ecs-task-address.ts';
import { workloadSetupInChild } from './workload-setup-child.ts';

/** What the token says about itself (unverified: it only fills defaults; the API checks the token). */
function tokenScope(token: string): Record<string, string> {
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
    return Object.fromEntries(['tenant', 'mesh', 'namespace', 'serviceAccount'].flatMap((k) => (typeof claims[k] === 'string' ? [[k, claims[k] as string]] : [])));
  } catch {
    return {};
  }
}

/** The action of `trellis-agent run`: starts the agent and stops it on SIGTERM/SIGINT. */
export async function runAgent(opts: Record<string, unknown>, cmd: Command): Promise<void> {
  const first = await firstCredential(opts, cmd);
  const address = opts.address === 'ecs-task' ? await ecsTaskAddress() : opts.address;
  const scope = first.joinToken ? tokenScope(first.joinToken) : first.scope;
  const workDir = path.resolve(opts.workDir as string);
  const sdsSocketPath = (opts.sdsSocket as string | undefined) ?? path.join(workDir, 'sds.sock');
  const bootstrapOptions = {
    xdsAddress: opts.xds as { host: string; port: number },
    adminPort: opts.adminPort as number,
    protocol: opts.protocol as 'delta' | 'sotw',
    ...(opts.xdsMtls ? { xdsServerSpiffeId: opts.xdsServerId as string } : {}),
    envoyStats: opts.envoyStats as 'all' | 'mesh',
  };
  const setup = await workloadSetupInChild({
    metadata: {
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
      ...(opts.group ? { AUTO_REGISTER_GROUP: opts.group } : {}),
      ...(opts.interception === 'REDIRECT' ? { INTERCEPTION_MODE: 'REDIRECT' } : {}),
    },
    bootstrap: { ...bootstrapOptions, sdsSocketPath },
  });
  if (!setup.ok) return cmd.error(`error: invalid workload description:\n${setup.problems.join('\n')}`, { exitCode: 2 });
  mkdirSync(workDir, { recursive: true, mode: 0o700 });
  const logger = pino({ level: process.env.TRELLIS_LOG_LEVEL ?? 'info', base: { service: 'trellis-agent' } });
  const agent = new Agent({
    apiUrl: opts.api as string,
    mesh: setup.metadata.TRELLIS_MESH,
    ...(first.joinToken ? { joinToken: first.joinToken } : { attestor: first.attestor! }),
    ...(typeof opts.spiffeId === 'string' ? { spiffeId: opts.spiffeId } : {}),
    sdsSocketPath,
    ...(typeof opts.keyFile === 'string' ? { keyFile: opts.keyFile } : {}),
    bootstrap: {
      path: path.join(workDir, 'envoy-bootstrap.yaml'),
      options: { ...bootstrapOptions, metadata: setup.metadata },
      yaml: setup.bootstrapYaml,
    },
    ...(typeof opts.envoyPath === 'string' ? { envoy: { path: opts.envoyPath, args: opts.envoyArg as string[], drainMs: (opts.drainSeconds as number) * 1000 } } : {}),
    readyPort: opts.readyPort as number,
    ...(opts.signalsInterval !== 0 ? { signals: { periodMs: (opts.signalsInterval as number) * 1000 } } : {}),
    ...(opts.metricsPort !== 0 ? { metrics: { port: opts.metricsPort as number, ...(typeof opts.appMetricsUrl === 'string' ? { appMetricsUrl: opts.appMetricsUrl } : {}) } } : {}),
    ...(opts.ttl ? { ttlSeconds: opts.ttl as number } : {}),
    rotation: { ratio: opts.rotationRatio as number, jitter: Math.min(DEFAULT_ROTATION.jitter, (opts.rotationRatio as number) / 2) },
    logger,
  });
  await agent.start();
  logger.info({ readyPort: agent.readyPort, metricsPort: agent.metricsPort, workDir }, 'agent started');
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
}
