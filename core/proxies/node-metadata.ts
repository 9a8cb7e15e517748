import { z } from 'zod';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const port = z.number().int().min(1).max(65535);

/**
 * What a proxy tells the xDS server about itself in `node.metadata` (the agent writes it into
 * the Envoy bootstrap). With mTLS the identity fields are taken from the client certificate
 * instead and these are ignored.
 */
export const NodeMetadataSchema = z.object({
  TRELLIS_TENANT: z.string().regex(DNS_LABEL).default('default'),
  TRELLIS_MESH: z.string().regex(DNS_LABEL),
  TRELLIS_PROXY_KIND: z.enum(['sidecar', 'grpc', 'gateway']).default('sidecar'),
  NAMESPACE: z.string().regex(DNS_LABEL),
  SERVICE_ACCOUNT: z.string().regex(DNS_LABEL).default('default'),
  WORKLOAD_NAME: z.string().regex(DNS_LABEL),
  LABELS: z.record(z.string().max(317), z.string().max(63)).default({}),
  INSTANCE_IP: z.union([z.ipv4(), z.ipv6()]).optional(),
  /** The application's port on 127.0.0.1; the sidecar's inbound listener forwards to it. */
  APP_PORT: port.optional(),
  /** Envoy's inbound listener port; peers reach the workload through it. */
  INBOUND_PORT: port.optional(),
  /** The local outbound HTTP listener (contract: 127.0.0.1:15001 by default). */
  OUTBOUND_PORT: port.optional(),
  /**
   * NONE (the default): local mode, the app dials 127.0.0.1:15001 by Host. REDIRECT: iptables or
   * ECS's proxy configuration send all the app's traffic to 15001/15006, so any IP:port is served.
   */
  INTERCEPTION_MODE: z.enum(['NONE', 'REDIRECT']).optional(),
  /** `region/zone/subzone` (zone and subzone optional) the proxy runs in: locality failover and distribution are relative to it. */
  LOCALITY: z.string().regex(/^[^/\s]+(\/[^/\s]*){0,2}$/, { message: 'expected region/zone/subzone' }).optional(),
  /** Register this workload in the workload registry while connected (default true for sidecars). */
  AUTO_REGISTER: z.boolean().optional(),
  /**
   * The WorkloadGroup (in the proxy's namespace) the workload joins, as Istio names it: registration
   * needs the group's service account, and the group fixes the labels the workload is selected by.
   */
  AUTO_REGISTER_GROUP: z.string().regex(DNS_LABEL).optional(),
  /** The agent serves the workload certificate and trust bundle over SDS (bootstrap cluster `sds-grpc`): mesh mTLS in and out. */
  SDS: z.boolean().optional(),
  /** Gateways: the address every Gateway server listens on (default 0.0.0.0; 127.0.0.1 in local mode). */
  GATEWAY_BIND_ADDRESS: z.union([z.ipv4(), z.ipv6()]).optional(),
  /** Gateways: added to every Gateway server port, so port 443 can listen unprivileged (e.g. 20000 → 20443). */
  GATEWAY_PORT_OFFSET: z.number().int().min(0).max(64511).optional(),
  /** Gateways: Gateway server port → the port to listen on; wins over the offset. */
  GATEWAY_PORTS: z.record(z.string().regex(/^\d{1,5}$/), port).optional(),
});

export type NodeMetadata = z.infer<typeof NodeMetadataSchema>;

export { DEFAULT_INBOUND_PORT, DEFAULT_OUTBOUND_PORT, DEFAULT_XDS_PORT } from './ports.ts';
