import { envoyBootstrapYaml } from '../../sidecar/bootstrap/envoy-bootstrap.ts';
import { startEnvoy, type RunningEnvoy } from './envoy.ts';
import { freePort } from './ports.ts';

export interface TestGateway {
  envoy: RunningEnvoy;
  /** Gateway server port → the loopback port it listens on. */
  ports: Record<number, number>;
}

/** A real Envoy bootstrapped as `trellis-agent gateway-bootstrap` does: on 127.0.0.1, each server port mapped to a free port. */
export async function startGateway(o: { xdsPort: number; mesh: string; namespace: string; workload: string; labels: Record<string, string>; serverPorts: number[] }): Promise<TestGateway> {
  const adminPort = await freePort();
  const ports: Record<number, number> = {};
  for (const p of o.serverPorts) ports[p] = await freePort();
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
    protocol: 'delta',
  });
  return { envoy: await startEnvoy(yaml, adminPort), ports };
}
