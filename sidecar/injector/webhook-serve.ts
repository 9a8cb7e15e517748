import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import type { LogLevel } from './annotations.ts';
import type { InjectionConfig } from './injection-config.ts';
import { inClusterApi, namespaceLabelsFrom } from './kube-namespace-labels.ts';
import { startWebhookServer } from './webhook-server.ts';

export interface WebhookOptions {
  tenant: string;
  mesh: string;
  api: string;
  xds?: string;
  image: string;
  envoyPath: string;
  nativeSidecars: boolean;
  failOpen: boolean;
  proxyUid: number;
  logLevel: LogLevel;
  proxyCpu: string;
  proxyMemory: string;
  proxyCpuLimit?: string;
  proxyMemoryLimit?: string;
  includeOutboundIpRanges: InjectionConfig['includeOutboundIpRanges'];
  excludeOutboundIpRanges: string[];
  tlsCert: string;
  tlsKey: string;
  port: number;
  maxBodyBytes: number;
  checkNamespace: boolean;
}

/** The xDS address defaults to the API's host on the xDS port. */
function xdsAddress(api: string, xds: string | undefined): string {
  return xds ?? `${new URL(api).hostname}:18000`;
}

/** What the injector injects, from the command's options. */
export function injectionConfigOf(opts: WebhookOptions): InjectionConfig {
  return {
    tenant: opts.tenant,
    mesh: opts.mesh,
    apiUrl: opts.api,
    xdsAddress: xdsAddress(opts.api, opts.xds),
    image: opts.image,
    envoyPath: opts.envoyPath,
    nativeSidecars: opts.nativeSidecars,
    failOpen: opts.failOpen,
    proxyUid: opts.proxyUid,
    logLevel: opts.logLevel,
    resources: {
      cpu: opts.proxyCpu,
      memory: opts.proxyMemory,
      ...(opts.proxyCpuLimit ? { cpuLimit: opts.proxyCpuLimit } : {}),
      ...(opts.proxyMemoryLimit ? { memoryLimit: opts.proxyMemoryLimit } : {}),
    },
    includeOutboundIpRanges: opts.includeOutboundIpRanges,
    excludeOutboundIpRanges: opts.excludeOutboundIpRanges,
  };
}

/** The action of `trellis-agent inject-webhook`: serves until SIGTERM/SIGINT. */
export async function serveWebhook(opts: WebhookOptions): Promise<void> {
  const logger = pino({ level: process.env.TRELLIS_LOG_LEVEL ?? 'info', base: { service: 'trellis-injector' } });
  const config = injectionConfigOf(opts);
  const server = await startWebhookServer({
    config,
    tls: { cert: readFileSync(opts.tlsCert, 'utf8'), key: readFileSync(opts.tlsKey, 'utf8') },
    port: opts.port,
    maxBodyBytes: opts.maxBodyBytes,
    ...(opts.checkNamespace ? { namespaceLabels: namespaceLabelsFrom(inClusterApi()) } : {}),
    logger,
  });
  logger.info({ port: server.port, mesh: config.mesh, nativeSidecars: config.nativeSidecars, failOpen: config.failOpen }, 'injection webhook serving');
  const stop = () => void server.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
