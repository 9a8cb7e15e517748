import { ResourceCache } from '../../cache/index.ts';
import { AdsServer } from '../ads-server.ts';
import { listenAds, type AdsTransportOptions, type ListeningAds } from '../listen.ts';
import type { AckEvent, DisconnectEvent, NackEvent, SendEvent, ResolveNode, StreamInfo, StreamLimits } from '../server-options.ts';

export interface TestServer {
  cache: ResourceCache;
  ads: AdsServer;
  listening: ListeningAds;
  port: number;
  events: { sent: SendEvent[]; acks: AckEvent[]; nacks: NackEvent[]; connects: StreamInfo[]; disconnects: DisconnectEvent[] };
  stop(): Promise<void>;
}

/**
 * An ADS server on a free loopback port. Proxies are placed in the scope named by their
 * node `cluster`; a node id starting with `deny` is refused.
 */
export async function startTestServer(
  options: { cache?: ResourceCache; port?: number; resolveNode?: ResolveNode; limits?: Partial<StreamLimits>; transport?: Partial<AdsTransportOptions> } = {},
): Promise<TestServer> {
  const cache = options.cache ?? new ResourceCache();
  const events: TestServer['events'] = { sent: [], acks: [], nacks: [], connects: [], disconnects: [] };
  const ads = new AdsServer({
    cache,
    controlPlaneId: 'test-control-plane',
    ...(options.limits ? { limits: options.limits } : {}),
    resolveNode: options.resolveNode ?? ((node) => (node.id.startsWith('deny') ? new Error(`node ${node.id} is not allowed`) : { proxyId: node.id, scope: node.cluster })),
    hooks: {
      onSend: (e) => events.sent.push(e),
      onAck: (e) => events.acks.push(e),
      onNack: (e) => events.nacks.push(e),
      onConnect: (e) => events.connects.push(e),
      onDisconnect: (e) => events.disconnects.push(e),
    },
  });
  const listening = await listenAds(ads, `127.0.0.1:${options.port ?? 0}`, undefined, options.transport);
  return { cache, ads, listening, port: listening.port, events, stop: () => listening.stop() };
}
