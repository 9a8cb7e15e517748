import { z } from 'zod';
import { SelectorLabels } from './shared/labels.ts';
import { ServerPort } from './shared/port.ts';
import { ServerTLSSettings } from './shared/server-tls.ts';

const Server = z.strictObject({
  port: ServerPort,
  bind: z.string().optional(),
  hosts: z.array(z.string()),
  tls: ServerTLSSettings.optional(),
  defaultEndpoint: z.string().optional(),
  name: z.string().optional(),
});

export const GatewaySpec = z
  .strictObject({
    servers: z.array(Server).optional(),
    selector: SelectorLabels.optional(),
  })
  .meta({ id: 'GatewaySpec', description: 'A load balancer at the edge of the mesh: ports, protocols, hosts and TLS (networking.istio.io Gateway).' });

export type GatewaySpec = z.infer<typeof GatewaySpec>;
