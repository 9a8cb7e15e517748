import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ENVOY_BIN, ROOT } from '../../test/support/tools.ts';
import { envoyBootstrap, envoyBootstrapYaml, SDS_CLUSTER_NAME } from './envoy-bootstrap.ts';

const run = promisify(execFile);
const agent = path.join(ROOT, 'bin/trellis-agent.mjs');
const args = ['bootstrap', '--mesh', 'demo', '--namespace', 'shop', '--service-account', 'web-sa', '--workload', 'web', '--address', '127.0.0.1', '--port', '8000'];

describe('trellis-agent bootstrap', () => {
  it('prints a bootstrap that carries the workload identity and that Envoy accepts', async () => {
    const { stdout } = await run(process.execPath, [agent, ...args, '--label', 'app=web', '--label', 'version=v2', '--admin-port', '19001', '--outbound-port', '25001', '--xds', '127.0.0.1:19999']);
    const doc = parse(stdout) as {
      node: { id: string; metadata: Record<string, unknown> };
      admin: { address: { socket_address: { port_value: number } } };
      dynamic_resources: { ads_config: { api_type: string } };
      static_resources: { clusters: { load_assignment: { endpoints: { lb_endpoints: { endpoint: { address: { socket_address: { port_value: number } } } }[] }[] } }[] };
    };
    expect(doc.node.metadata).toMatchObject({
      TRELLIS_MESH: 'demo',
      NAMESPACE: 'shop',
      SERVICE_ACCOUNT: 'web-sa',
      WORKLOAD_NAME: 'web',
      LABELS: { app: 'web', version: 'v2' },
      APP_PORT: 8000,
      OUTBOUND_PORT: 25001,
    });
    expect(doc.admin.address.socket_address.port_value).toBe(19001);
    expect(doc.dynamic_resources.ads_config.api_type).toBe('DELTA_GRPC');
    expect(doc.static_resources.clusters[0]!.load_assignment.endpoints[0]!.lb_endpoints[0]!.endpoint.address.socket_address.port_value).toBe(19999);

    const dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-bootstrap-'));
    try {
      writeFileSync(path.join(dir, 'b.yaml'), stdout);
      const validated = await run(ENVOY_BIN, ['--mode', 'validate', '-c', path.join(dir, 'b.yaml')]);
      expect(validated.stdout + validated.stderr).toContain('OK');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('with SDS and mTLS xDS: an sds-grpc cluster on the socket, and the xDS cluster using its secrets; Envoy accepts it', async () => {
    const options = {
      metadata: { TRELLIS_TENANT: 'default', TRELLIS_MESH: 'demo', TRELLIS_PROXY_KIND: 'sidecar' as const, NAMESPACE: 'shop', SERVICE_ACCOUNT: 'web', WORKLOAD_NAME: 'web', LABELS: {} },
      xdsAddress: { host: '127.0.0.1', port: 18000 },
      adminPort: 19002,
      protocol: 'delta' as const,
      sdsSocketPath: '/tmp/trellis-agent-test/sds.sock',
      xdsServerSpiffeId: 'spiffe://trellis.local/ns/trellis-system/sa/xds-server',
    };
    const doc = envoyBootstrap(options) as { node: { metadata: Record<string, unknown> }; static_resources: { clusters: Record<string, unknown>[] } };
    const [xds, sds] = doc.static_resources.clusters;
    expect(sds).toMatchObject({ name: SDS_CLUSTER_NAME, load_assignment: { endpoints: [{ lb_endpoints: [{ endpoint: { address: { pipe: { path: options.sdsSocketPath } } } }] }] } });
    const tls = JSON.stringify(xds!.transport_socket);
    expect(tls).toContain('"tls_certificate_sds_secret_configs":[{"name":"default"');
    expect(tls).toContain('"validation_context_sds_secret_config":{"name":"ROOTCA"');
    expect(tls).toContain(options.xdsServerSpiffeId);
    expect(doc.node.metadata.SDS).toBe(true);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-bootstrap-'));
    try {
      writeFileSync(path.join(dir, 'b.yaml'), envoyBootstrapYaml(options));
      const validated = await run(ENVOY_BIN, ['--mode', 'validate', '-c', path.join(dir, 'b.yaml')]);
      expect(validated.stdout + validated.stderr).toContain('OK');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(() => envoyBootstrap({ ...options, sdsSocketPath: undefined })).toThrow(RangeError);
  });

  it('exits 2 with a message naming the bad field', async () => {
    const err = await run(process.execPath, [agent, ...args.map((a) => (a === 'shop' ? 'Shop_NS' : a))]).catch((e: { code: number; stderr: string }) => e);
    expect((err as { code: number }).code).toBe(2);
    expect((err as { stderr: string }).stderr).toContain('NAMESPACE');
  });

  it('rejects a bad port with a usage error', async () => {
    const err = await run(process.execPath, [agent, ...args.slice(0, -1), '99999']).catch((e: { code: number; stderr: string }) => e);
    expect((err as { code: number }).code).not.toBe(0);
    expect((err as { stderr: string }).stderr).toContain('port number');
  });
});
