import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { NodeMetadataSchema } from '../../core/proxies/node-metadata.ts';
import { describeNode } from '../../xds-server/control/node-identity.ts';
import { ENVOY_BIN, ROOT } from '../../test/support/tools.ts';

const run = promisify(execFile);
const agent = path.join(ROOT, 'bin/trellis-agent.mjs');

describe('trellis-agent gateway-bootstrap', () => {
  it('prints a gateway bootstrap (kind, labels, loopback bind, port offset and map) that Envoy accepts and the control plane reads', async () => {
    const { stdout } = await run(process.execPath, [
      agent, 'gateway-bootstrap', '--mesh', 'demo', '--namespace', 'ingress', '--workload', 'ingressgateway',
      '--label', 'istio=ingressgateway', '--bind', '127.0.0.1', '--port-offset', '20000', '--port-map', '443=18443', '--admin-port', '19002',
    ]);
    const doc = parse(stdout) as { node: { id: string; metadata: Record<string, unknown>; cluster: string } };
    expect(doc.node.metadata).toMatchObject({ TRELLIS_PROXY_KIND: 'gateway', NAMESPACE: 'ingress', LABELS: { istio: 'ingressgateway' }, GATEWAY_BIND_ADDRESS: '127.0.0.1', GATEWAY_PORT_OFFSET: 20000, GATEWAY_PORTS: { '443': 18443 }, AUTO_REGISTER: false });
    expect(doc.node.metadata).not.toHaveProperty('OUTBOUND_PORT');
    expect(NodeMetadataSchema.safeParse(doc.node.metadata).success).toBe(true);
    const described = describeNode({ id: doc.node.id, metadata: doc.node.metadata, userAgent: 'envoy' } as Parameters<typeof describeNode>[0]);
    expect(described).toMatchObject({ ok: true, value: { descriptor: { kind: 'gateway', inbound: undefined, gateway: { bindAddress: '127.0.0.1', portOffset: 20000, ports: { '443': 18443 } } } } });

    const dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-gateway-bootstrap-'));
    try {
      writeFileSync(path.join(dir, 'b.yaml'), stdout);
      const validated = await run(ENVOY_BIN, ['--mode', 'validate', '-c', path.join(dir, 'b.yaml')]);
      expect(validated.stdout + validated.stderr).toContain('OK');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 2 naming a bad bind address', async () => {
    const failed = await run(process.execPath, [agent, 'gateway-bootstrap', '--mesh', 'demo', '--namespace', 'ingress', '--workload', 'gw', '--bind', 'not-an-ip']).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(failed?.code).toBe(2);
    expect(failed?.stderr).toContain('GATEWAY_BIND_ADDRESS');
  });
});
