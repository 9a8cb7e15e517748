import { randomUUID } from 'node:crypto';
import type { ServerCredentials } from '@grpc/grpc-js';
import { ResourceCache } from './cache/index.ts';
import { AdsServer, listenAds, type AdsTransportOptions, type ListeningAds, type XdsServerHooks } from './server/index.ts';
import { ControlPlane, type ControlPlaneOptions } from './control/control-plane.ts';
import { startXdsMtls, type XdsMtls, type XdsMtlsOptions } from './control/mtls.ts';
import type { XdsMetrics } from './metrics/index.ts';
import type { FleetStatusStore } from '../core/fleet/index.ts';
import type { ProxyStatus } from '../core/proxies/proxy-status.ts';
import { FleetStatusReporter } from './control/fleet-status-reporter.ts';
import { RecordedNodeMetadata } from './control/recorded-node-metadata.ts';
import { SharedSubscriptionBus } from '../core/bus/shared-subscription.ts';
import { CloudMapSources, type CloudMapSourcesOptions } from './control/cloud-map-sources.ts';
import { InMemoryCloudMapLeases, InMemoryWorkloadRegistry } from '../core/adapters/embedded/registry/index.ts';
import type { CloudMapSourceLeases } from '../core/registry/cloud-map-source-status.ts';

export interface XdsOptions extends Omit<ControlPlaneOptions, 'cache' | 'verifiedIdentity' | 'metrics'> {
  /** Prometheus metrics of streams, pushes, NACKs, translation and convergence. */
  metrics?: XdsMetrics;
  /** host:port to listen on (port 0 picks one). */
  address: string;
  /** Ignored with `mtls`, which brings its own. */
  credentials?: ServerCredentials;
  /** Keepalive and request size for every connection (DEFAULT_TRANSPORT otherwise). */
  transport?: Partial<AdsTransportOptions>;
  /** Require client certificates from the CA; identity comes from them, never from node metadata. */
  mtls?: XdsMtlsOptions;
  replicaId?: string;
  /** Extra observers of stream events (metrics, tests); called after the control plane's. */
  observe?: XdsServerHooks;
  /** Where this replica reports its proxies' status for the API (AWS: DynamoDB); none locally, where the API reads the control plane. */
  fleetStatus?: FleetStatusStore;
  /** Poll the Cloud Map services meshes name in `registrySources.cloudMap` into the workload registry. */
  cloudMap?: Pick<CloudMapSourcesOptions, 'listerFor' | 'rescanIntervalMs' | 'periodMs' | 'observer'> & {
    /** Shared by the fleet, so each source is polled by one replica (AWS: DynamoDB); default in this process only. */
    leases?: CloudMapSourceLeases;
  };
}

function combine(first: XdsServerHooks, second: XdsServerHooks | undefined): XdsServerHooks {
  if (!second) return first;
  const keys = ['onConnect', 'onDisconnect', 'onAck', 'onNack', 'onSend', 'onIgnoredRequest'] as const;
  const hooks: Record<string, (event: never) => void> = {};
  for (const key of keys) {
    const a = first[key] as ((event: never) => void) | undefined;
    const b = second[key] as ((event: never) => void) | undefined;
    if (a || b) {
      hooks[key] = (event) => {
        a?.(event);
        b?.(event);
      };
    }
  }
  return hooks as XdsServerHooks;
}

export interface RunningXds {
  port: number;
  controlPlane: ControlPlane;
  ads: AdsServer;
  cache: ResourceCache;
  stop(): Promise<void>;
}

/** The xDS server: cache, ADS streams and the control plane that feeds them, listening. */
export async function startXds(options: XdsOptions): Promise<RunningXds> {
  const log = options.logger.child({ component: 'xds' });
  const cache = new ResourceCache({ onIssue: (issue) => log.warn({ issue }, 'resource not served') });
  const mtls: XdsMtls | undefined = options.mtls ? await startXdsMtls(options.mtls, options.store, log) : undefined;
  // One registry for the control plane and the registry sources that feed it.
  const registry = options.registry ?? new InMemoryWorkloadRegistry(options.now ? { now: options.now } : {});
  // The bus may allow one subscription per replica (EventBridge): the control plane and the Cloud Map sources share it.
  const bus = new SharedSubscriptionBus(options.bus);
  const controlPlane = new ControlPlane({ ...options, bus, registry, cache, ...(mtls ? { verifiedIdentity: { owners: mtls.owners } } : {}) });
  const controlPlaneId = options.replicaId ?? `trellis-${randomUUID()}`;
  const cloudMap = options.cloudMap
    ? new CloudMapSources({
        ...options.cloudMap,
        leases: options.cloudMap.leases ?? new InMemoryCloudMapLeases(options.now ? { now: options.now } : {}),
        store: options.store,
        bus,
        registry,
        logger: options.logger,
        replica: controlPlaneId,
        ...(options.now ? { now: options.now } : {}),
      })
    : undefined;
  // Records carry each proxy's node metadata, so the API can re-translate its group (proxy-config, dry-run previews).
  const nodes = options.fleetStatus ? new RecordedNodeMetadata() : undefined;
  // Records expire like registry entries: a crashed replica's proxies go at the same time.
  const reporter = options.fleetStatus
    ? new FleetStatusReporter({
        replica: controlPlaneId,
        store: options.fleetStatus,
        statuses: () => statusesOfReplica(ads, controlPlane, nodes),
        logger: options.logger,
        ...(options.now ? { now: options.now } : {}),
        ...(options.registrationTtlMs ? { ttlMs: options.registrationTtlMs } : {}),
      })
    : undefined;
  const ads: AdsServer = new AdsServer({ cache, resolveNode: nodes ? nodes.wrap(controlPlane.resolveNode) : controlPlane.resolveNode, hooks: combine(combine(combine(controlPlane.hooks, options.metrics?.hooks()), reporter?.hooks), options.observe), controlPlaneId });
  controlPlane.attach(ads);
  await controlPlane.start();
  reporter?.start();
  await cloudMap?.start();
  let listening: ListeningAds;
  try {
    listening = await listenAds(ads, options.address, mtls?.credentials ?? options.credentials, options.transport);
  } catch (err) {
    mtls?.stop();
    await cloudMap?.stop();
    await reporter?.stop();
    await controlPlane.stop();
    throw err;
  }
  log.info({ port: listening.port, mtls: mtls !== undefined }, 'xDS server listening');
  return {
    port: listening.port,
    controlPlane,
    ads,
    cache,
    async stop() {
      await cloudMap?.stop();
      await controlPlane.stop();
      await listening.stop();
      // After the streams closed: its last round removes every record this replica held.
      await reporter?.stop();
      mtls?.stop();
    },
  };
}

/** Every connected proxy's status, mesh by mesh (scope keys are `tenant/mesh/<group>`; tenant and mesh hold no `/`), with its node metadata when recorded. */
async function statusesOfReplica(ads: AdsServer, controlPlane: ControlPlane, nodes: RecordedNodeMetadata | undefined): Promise<ProxyStatus[]> {
  const streams = ads.proxyStatus();
  const meshes = new Set(streams.map((s) => s.scope.split('/', 2).join('/')));
  const lists = await Promise.all(
    [...meshes].map((key) => {
      const [tenantId, mesh] = key.split('/') as [string, string];
      return controlPlane.list(tenantId, mesh);
    }),
  );
  if (!nodes) return lists.flat();
  const scopes = new Map(streams.map((s) => [s.proxyId, s.scope]));
  nodes.retain(new Set(scopes.keys()));
  return lists.flat().map((status) => {
    const scope = scopes.get(status.proxyId);
    const metadata = scope === undefined ? undefined : nodes.metadataOf(status, scope);
    return metadata ? { ...status, metadata } : status;
  });
}
