import { z } from 'zod';
import { ConnectionPoolSettings } from './shared/connection-pool.ts';
import { Destination } from './shared/destination.ts';
import { WorkloadLabelSelector } from './shared/labels.ts';
import { SidecarPort } from './shared/port.ts';
import { ServerTLSSettings } from './shared/server-tls.ts';

const CaptureMode = z.enum(['DEFAULT', 'IPTABLES', 'NONE']);

const IstioIngressListener = z.strictObject({
  port: SidecarPort,
  bind: z.string().optional(),
  captureMode: CaptureMode.optional(),
  defaultEndpoint: z.string().optional(),
  tls: ServerTLSSettings.optional(),
  connectionPool: ConnectionPoolSettings.optional(),
});

const IstioEgressListener = z.strictObject({
  port: SidecarPort.optional(),
  bind: z.string().optional(),
  captureMode: CaptureMode.optional(),
  hosts: z.array(z.string()),
});

export const SidecarSpec = z
  .strictObject({
    workloadSelector: WorkloadLabelSelector.optional(),
    ingress: z.array(IstioIngressListener).optional(),
    egress: z.array(IstioEgressListener).optional(),
    inboundConnectionPool: ConnectionPoolSettings.optional(),
    outboundTrafficPolicy: z
      .strictObject({
        mode: z.enum(['REGISTRY_ONLY', 'ALLOW_ANY']).optional(),
        egressProxy: Destination.optional(),
      })
      .optional(),
  })
  .meta({ id: 'SidecarSpec', description: 'Scopes what a sidecar proxy accepts and can reach (networking.istio.io Sidecar).' });

export type SidecarSpec = z.infer<typeof SidecarSpec>;
