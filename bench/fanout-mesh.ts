// The fan-out benchmark's control plane: 10 meshes of 50 services in an embedded store, served by
// `startXds` in this process; the sidecars register as the services' endpoints (workloadSelector app=svc-k).
// The registry outlives the xDS server, as the hosted topology's DynamoDB table outlives a replica.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { openEmbeddedStore } from '../core/adapters/embedded/store/index.ts';
import { InProcessBus } from '../core/adapters/embedded/bus/in-process-bus.ts';
import { InMemoryWorkloadRegistry } from '../core/adapters/embedded/registry/index.ts';
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
  /** The running xDS server (another one after `restart`). */
  readonly xds: RunningXds;
  /** Commits svc-0's route at `weight` in `mesh` and announces it, as the API does. */
  changeRoute(mesh: string, weight: number): Promise<void>;
  /**
   * A replica's restart: the server ends its streams and stops listening; `started` runs, then
   * another server starts on the same port (as soon as it is free) over the same store, bus and
   * registry, having translated nothing yet.
   */
  restart(started: () => Promise<void>): Promise<void>;
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
  const registry = new InMemoryWorkloadRegistry();
  const serve = (address: string) => startXds({ store, bus, registry, logger: pino({ level: 'silent' }), address, reconcileIntervalMs: 600_000, observe });
  let xds = await serve('127.0.0.1:0');
  return {
    get xds() {
      return xds;
    },
    async restart(started) {
      const port = xds.port;
      // The old server stops listening at once and drains its connections while the new one starts,
      // as a replaced replica drains while its successor serves.
      const stopping = xds.stop();
      await started();
      for (let attempt = 1; ; attempt++) {
        try {
          xds = await serve(`127.0.0.1:${port}`);
          break;
        } catch (err) {
          if (attempt >= 100) throw err;
          await new Promise((r) => setTimeout(r, 20));
        }
      }
      await stopping;
    },
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
