import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { envoyBootstrapYaml } from '../../sidecar/bootstrap/envoy-bootstrap.ts';
import { startEnvoy, type RunningEnvoy } from './envoy.ts';
import { freePort } from './ports.ts';
import { startSdsServer, type RunningSdsServer } from './sds-server.ts';
import type { WorkloadCertificate } from './workload-certificate.ts';

export interface TestGateway {
  envoy: RunningEnvoy;
  /** Gateway server port → the loopback port it listens on. */
  ports: Record<number, number>;
  stop(): Promise<void>;
}

/**
 * A real Envoy bootstrapped as `trellis-agent gateway-bootstrap` does: on 127.0.0.1, each server
 * port mapped to a free port. With `certificate`, a minimal SDS server stands in for the agent
 * (`sds-grpc`, `SDS: true`), so ISTIO_MUTUAL servers have the gateway's mesh certificate.
 */
export async function startGateway(o: {
  xdsPort: number;
  mesh: string;
  namespace: string;
  workload: string;
  labels: Record<string, string>;
  serverPorts: number[];
  certificate?: WorkloadCertificate;
  protocol?: 'delta' | 'sotw';
  /** Reach an mTLS xDS server with `certificate`, accepting only this server SPIFFE ID. */
  xdsServerSpiffeId?: string;
  /** Where Envoy's stdout (access logs to /dev/stdout) goes. */
  stdoutFile?: string;
}): Promise<TestGateway> {
  const adminPort = await freePort();
  const ports: Record<number, number> = {};
  for (const p of o.serverPorts) ports[p] = await freePort();
  const dir = o.certificate ? mkdtempSync(path.join(os.tmpdir(), 'trellis-gateway-sds-')) : undefined;
  const sds: RunningSdsServer | undefined = o.certificate && dir ? await startSdsServer(path.join(dir, 'sds.sock'), o.certificate) : undefined;
  const yaml = envoyBootstrapYaml({
    metadata: {
      TRELLIS_TENANT: 'default',
      TRELLIS_MESH: o.mesh,
      TRELLIS_PROXY_KIND: 'gateway',
      NAMESPACE: o.namespace,
      SERVICE_ACCOUNT: o.workload,
      WORKLOAD_NAME: o.workload,
      LABELS: o.labels,
      AUTO_REGISTER: false,
      GATEWAY_BIND_ADDRESS: '127.0.0.1',
      GATEWAY_PORTS: Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, v])),
    },
    xdsAddress: { host: '127.0.0.1', port: o.xdsPort },
    adminPort,
    protocol: o.protocol ?? 'delta',
    ...(sds ? { sdsSocketPath: sds.socketPath } : {}),
    ...(sds && o.xdsServerSpiffeId ? { xdsServerSpiffeId: o.xdsServerSpiffeId } : {}),
  });
  const cleanup = async () => {
    await sds?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  };
  let envoy: RunningEnvoy;
  try {
    envoy = await startEnvoy(yaml, adminPort, o.stdoutFile ? { stdoutFile: o.stdoutFile } : {});
  } catch (err) {
    await cleanup();
    throw err;
  }
  return {
    envoy,
    ports,
    async stop() {
      await envoy.stop();
      await cleanup();
    },
  };
}
