import { envoyBootstrapYaml } from '../../sidecar/bootstrap/envoy-bootstrap.ts';
import { startEnvoy, type RunningEnvoy } from './envoy.ts';
import { freePort } from './ports.ts';

export interface TestSidecar {
  envoy: RunningEnvoy;
  outboundPort: number;
  inboundPort?: number;
  /** URL of the local outbound listener. */
  outbound: string;
}

/** A real Envoy bootstrapped the way `trellis-agent bootstrap` does, connected to `xdsPort`. */
export async function startSidecar(o: {
  xdsPort: number;
  mesh: string;
  namespace: string;
  workload: string;
  serviceAccount?: string;
  labels?: Record<string, string>;
  appPort?: number;
  protocol?: 'delta' | 'sotw';
  tenant?: string;
  /** `region/zone/subzone`, as `--locality` sets it. */
  locality?: string;
  /** The WorkloadGroup it joins, as `--group` sets it. */
  group?: string;
  /** Where Envoy's stdout (access logs to /dev/stdout) goes. */
  stdoutFile?: string;
  /** Envoy's own stats, as `--envoy-stats` sets them. */
  envoyStats?: 'all' | 'mesh';
}): Promise<TestSidecar> {
  const adminPort = await freePort();
  const outboundPort = await freePort();
  const inboundPort = o.appPort !== undefined ? await freePort() : undefined;
  const yaml = envoyBootstrapYaml({
    metadata: {
      TRELLIS_TENANT: o.tenant ?? 'default',
      TRELLIS_MESH: o.mesh,
      TRELLIS_PROXY_KIND: 'sidecar',
      NAMESPACE: o.namespace,
      SERVICE_ACCOUNT: o.serviceAccount ?? o.workload,
      WORKLOAD_NAME: o.workload,
      LABELS: o.labels ?? {},
      INSTANCE_IP: '127.0.0.1',
      ...(o.appPort !== undefined ? { APP_PORT: o.appPort, INBOUND_PORT: inboundPort } : {}),
      OUTBOUND_PORT: outboundPort,
      ...(o.locality ? { LOCALITY: o.locality } : {}),
      ...(o.group ? { AUTO_REGISTER_GROUP: o.group } : {}),
    },
    xdsAddress: { host: '127.0.0.1', port: o.xdsPort },
    adminPort,
    protocol: o.protocol ?? 'delta',
    ...(o.envoyStats ? { envoyStats: o.envoyStats } : {}),
  });
  const envoy = await startEnvoy(yaml, adminPort, o.stdoutFile ? { stdoutFile: o.stdoutFile } : {});
  return { envoy, outboundPort, ...(inboundPort !== undefined ? { inboundPort } : {}), outbound: `http://127.0.0.1:${outboundPort}` };
}
