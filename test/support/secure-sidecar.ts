import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { envoyBootstrap } from '../../sidecar/bootstrap/envoy-bootstrap.ts';
import { startEnvoy, type RunningEnvoy } from './envoy.ts';
import { freePort } from './ports.ts';
import { startSdsServer, type RunningSdsServer } from './sds-server.ts';
import type { WorkloadCertificate } from './workload-certificate.ts';

export interface SecureSidecar {
  envoy: RunningEnvoy;
  sds: RunningSdsServer;
  /** URL of the local outbound listener. */
  outbound: string;
  /** Envoy's inbound listener port (when the workload serves an app port). */
  inboundPort: number | undefined;
  stop(): Promise<void>;
}

/**
 * A real Envoy sidecar with its workload certificate over SDS, bootstrapped as `trellis-agent run`
 * does (`sds-grpc` cluster, `SDS: true` in node metadata), with a minimal SDS server standing in
 * for the agent so the certificates come straight from the test's CA.
 */
export async function startSecureSidecar(o: {
  xdsPort: number;
  mesh: string;
  namespace: string;
  workload: string;
  serviceAccount: string;
  certificate: WorkloadCertificate;
  labels?: Record<string, string>;
  appPort?: number;
}): Promise<SecureSidecar> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-sds-'));
  const sds = await startSdsServer(path.join(dir, 'sds.sock'), o.certificate);
  const [adminPort, outboundPort] = [await freePort(), await freePort()];
  const inboundPort = o.appPort !== undefined ? await freePort() : undefined;
  const bootstrap = envoyBootstrap({
    metadata: {
      TRELLIS_TENANT: 'default',
      TRELLIS_MESH: o.mesh,
      TRELLIS_PROXY_KIND: 'sidecar',
      NAMESPACE: o.namespace,
      SERVICE_ACCOUNT: o.serviceAccount,
      WORKLOAD_NAME: o.workload,
      LABELS: o.labels ?? {},
      INSTANCE_IP: '127.0.0.1',
      ...(o.appPort !== undefined ? { APP_PORT: o.appPort, INBOUND_PORT: inboundPort } : {}),
      OUTBOUND_PORT: outboundPort,
    },
    xdsAddress: { host: '127.0.0.1', port: o.xdsPort },
    adminPort,
    protocol: 'delta',
    sdsSocketPath: sds.socketPath,
  });
  let envoy: RunningEnvoy;
  try {
    envoy = await startEnvoy(stringify(bootstrap), adminPort);
  } catch (err) {
    await sds.stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    envoy,
    sds,
    outbound: `http://127.0.0.1:${outboundPort}`,
    inboundPort,
    async stop() {
      await envoy.stop();
      await sds.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
