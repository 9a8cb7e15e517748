import { Server, ServerCredentials } from '@grpc/grpc-js';
import type { AdsServer } from './ads-server.ts';

export interface ListeningAds {
  port: number;
  server: Server;
  /** Ends the streams, then stops listening. */
  stop(): Promise<void>;
}

/** Serves `ads` on `host:port` (port 0 picks one) with the given credentials (insecure by default). */
export async function listenAds(ads: AdsServer, address: string, credentials: ServerCredentials = ServerCredentials.createInsecure()): Promise<ListeningAds> {
  const server = new Server();
  ads.addTo(server);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync(address, credentials, (err, p) => (err ? reject(err) : resolve(p))));
  return {
    port,
    server,
    stop: async () => {
      ads.closeStreams();
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    },
  };
}
