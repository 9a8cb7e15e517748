import { randomUUID } from 'node:crypto';
import type { ServerCredentials } from '@grpc/grpc-js';
import { ResourceCache } from './cache/index.ts';
import { AdsServer, listenAds, type ListeningAds, type XdsServerHooks } from './server/index.ts';
import { ControlPlane, type ControlPlaneOptions } from './control/control-plane.ts';
import { startXdsMtls, type XdsMtls, type XdsMtlsOptions } from './control/mtls.ts';
import type { XdsMetrics } from './metrics/index.ts';

export interface XdsOptions extends Omit<ControlPlaneOptions, 'cache' | 'verifiedIdentity' | 'metrics'> {
  /** Prometheus metrics of streams, pushes, NACKs, translation and convergence. */
  metrics?: XdsMetrics;
  /** host:port to listen on (port 0 picks one). */
  address: string;
  /** Ignored with `mtls`, which brings its own. */
  credentials?: ServerCredentials;
  /** Require client certificates from the CA; identity comes from them, never from node metadata. */
  mtls?: XdsMtlsOptions;
  replicaId?: string;
  /** Extra observers of stream events (metrics, tests); called after the control plane's. */
  observe?: XdsServerHooks;
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
  const controlPlane = new ControlPlane({ ...options, cache, ...(mtls ? { verifiedIdentity: { owners: mtls.owners } } : {}) });
  const ads = new AdsServer({ cache, resolveNode: controlPlane.resolveNode, hooks: combine(combine(controlPlane.hooks, options.metrics?.hooks(cache)), options.observe), controlPlaneId: options.replicaId ?? `trellis-${randomUUID()}` });
  controlPlane.attach(ads);
  await controlPlane.start();
  let listening: ListeningAds;
  try {
    listening = await listenAds(ads, options.address, mtls?.credentials ?? options.credentials);
  } catch (err) {
    mtls?.stop();
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
      await controlPlane.stop();
      await listening.stop();
      mtls?.stop();
    },
  };
}
