// The fan-out benchmark's control plane: 10 meshes of 50 services in an embedded store, served by
// `startXds` in this process; the sidecars register as the services' endpoints (workloadSelector app=svc-k).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { openEmbeddedStore } from '../core/adapters/embedded/store/index.ts';
import { InProcessBus } from '../core/adapters/embedded/bus/in-process-bus.ts';
import type { IstioResource } from '../core/resources/resource.ts';
import { startXds, type RunningXds } from '../xds-server/start-xds.ts';
import type { XdsServerHooks } from '../xds-server/server/index.ts';
import { APP_PORT, MESHES, NAMESPACE, SERVICES } from './fanout-node.ts';

/** The VirtualService of svc-0 splits v1/v2 by `weight`; every other service stays at 90/10. */
export function meshConfig(weight: number): IstioResource[] {
  const out: IstioResource[] = [];
  for (let s = 0; s < SERVICES; s++) {
    const host = `svc-${s}.${NAMESPACE}.svc.cluster.local`;
    out.push({
      apiVersion: 'networking.istio.io/v1',
      kind: 'ServiceEntry',
      metadata: { name: `svc-${s}`, namespace: NAMESPACE },
      spec: { hosts: [host], location: 'MESH_INTERNAL', resolution: 'STATIC', ports: [{ number: APP_PORT, name: 'http', protocol: 'HTTP' }], workloadSelector: { labels: { app: `svc-${s}` } } },
    });
    out.push({ apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: `svc-${s}`, namespace: NAMESPACE }, spec: { host, subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] } });
    out.push({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: `svc-${s}`, namespace: NAMESPACE },
      spec: { hosts: [host], http: [{ route: [{ destination: { host, subset: 'v1' }, weight: s === 0 ? weight : 90 }, { destination: { host, subset: 'v2' }, weight: s === 0 ? 100 - weight : 10 }] }] },
    });
  }
  return out;
}

export interface BenchControlPlane {
  xds: RunningXds;
  /** Commits svc-0's route at `weight` in `mesh` and announces it, as the API does. */
  changeRoute(mesh: string, weight: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startBenchControlPlane(observe: XdsServerHooks): Promise<BenchControlPlane> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-fanout-'));
  const store = await openEmbeddedStore({ dir });
  const bus = new InProcessBus();
  await store.createTenant({ id: 'default' });
  for (let m = 0; m < MESHES; m++) {
    await store.putMesh('default', `mesh-${m}`, {});
    await store.commit({ tenantId: 'default', mesh: `mesh-${m}`, author: 'bench', changes: meshConfig(90).map((resource) => ({ op: 'put' as const, resource })) });
  }
  const xds = await startXds({ store, bus, logger: pino({ level: 'silent' }), address: '127.0.0.1:0', reconcileIntervalMs: 600_000, observe });
  return {
    xds,
    async changeRoute(mesh, weight) {
      const changes = meshConfig(weight).filter((r) => r.kind === 'VirtualService' && r.metadata.name === 'svc-0').map((resource) => ({ op: 'put' as const, resource }));
      const result = await store.commit({ tenantId: 'default', mesh, author: 'bench', changes });
      await bus.publish({ tenantId: 'default', mesh, revision: result.revision, reason: 'commit', at: new Date().toISOString() });
    },
    async stop() {
      await xds.stop();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
