import { randomUUID } from 'node:crypto';
import type { ServerCredentials } from '@grpc/grpc-js';
import { ResourceCache } from './cache/index.ts';
import { AdsServer, listenAds, type ListeningAds } from './server/index.ts';
import { ControlPlane, type ControlPlaneOptions } from './control/control-plane.ts';

export interface XdsOptions extends Omit<ControlPlaneOptions, 'cache'> {
  /** host:port to listen on (port 0 picks one). */
  address: string;
  credentials?: ServerCredentials;
  replicaId?: string;
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
  const controlPlane = new ControlPlane({ ...options, cache });
  const ads = new AdsServer({ cache, resolveNode: controlPlane.resolveNode, hooks: controlPlane.hooks, controlPlaneId: options.replicaId ?? `trellis-${randomUUID()}` });
  controlPlane.attach(ads);
  await controlPlane.start();
  let listening: ListeningAds;
  try {
    listening = await listenAds(ads, options.address, options.credentials);
  } catch (err) {
    await controlPlane.stop();
    throw err;
  }
  log.info({ port: listening.port }, 'xDS server listening');
  return {
    port: listening.port,
    controlPlane,
    ads,
    cache,
    async stop() {
      await controlPlane.stop();
      await listening.stop();
    },
  };
}
