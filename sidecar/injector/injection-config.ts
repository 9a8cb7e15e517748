import type { LogLevel } from './annotations.ts';
import type { CidrSelection } from './traffic-lists.ts';
import { DEFAULT_PROXY_UID } from './redirect.ts';

/** How the webhook injects: set once per cluster by the webhook's flags. */
export interface InjectionConfig {
  /** Tenant whose registered EKS cluster vouches for the pods' service-account tokens. */
  tenant: string;
  mesh: string;
  /** Trellis API URL the agents get certificates from. */
  apiUrl: string;
  /** host:port of the xDS server (reached over mTLS with the workload certificate). */
  xdsAddress: string;
  /** The Trellis image: `trellis-agent` on PATH and Envoy at `envoyPath`. */
  image: string;
  envoyPath: string;
  /** Kubernetes ≥1.29: the proxy is an init container with `restartPolicy: Always`. */
  nativeSidecars: boolean;
  /** Refused annotations let the pod through uninjected (with a warning) instead of refusing it. */
  failOpen: boolean;
  proxyUid: number;
  logLevel: LogLevel;
  resources: { cpu: string; memory: string; cpuLimit?: string; memoryLimit?: string };
  includeOutboundIpRanges: CidrSelection;
  excludeOutboundIpRanges: string[];
}

export const DEFAULT_INJECTION_CONFIG: Omit<InjectionConfig, 'tenant' | 'mesh' | 'apiUrl' | 'xdsAddress' | 'image'> = {
  envoyPath: '/usr/local/bin/envoy',
  nativeSidecars: true,
  failOpen: false,
  proxyUid: DEFAULT_PROXY_UID,
  logLevel: 'info',
  resources: { cpu: '100m', memory: '128Mi' },
  includeOutboundIpRanges: '*',
  // Link-local: the EC2 metadata service and the EKS Pod Identity agent must stay reachable directly.
  excludeOutboundIpRanges: ['169.254.0.0/16'],
};

/** Namespaces never injected, whatever their labels say. */
export const NEVER_INJECTED_NAMESPACES = ['kube-system', 'kube-public', 'kube-node-lease', 'trellis-system'] as const;
