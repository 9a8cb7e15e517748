import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL, LISTENER_TYPE_URL, ROUTE_TYPE_URL, SECRET_TYPE_URL, VIRTUAL_HOST_TYPE_URL, type XdsTypeUrl } from '../protos/index.ts';
import type { XdsServerHooks } from '../server/index.ts';

const TYPE_LABELS: Record<XdsTypeUrl, string> = {
  [CLUSTER_TYPE_URL]: 'cds',
  [ENDPOINT_TYPE_URL]: 'eds',
  [LISTENER_TYPE_URL]: 'lds',
  [ROUTE_TYPE_URL]: 'rds',
  // Virtual hosts sent over VHDS are the route configurations' routes: counted as RDS.
  [VIRTUAL_HOST_TYPE_URL]: 'rds',
  [SECRET_TYPE_URL]: 'sds',
};

/** Istio's `pilot_xds_config_size_bytes` buckets. */
export const PUSH_BYTES_BUCKETS = [1, 10_000, 1_000_000, 4_000_000, 10_000_000, 40_000_000];
/** Istio's `pilot_proxy_convergence_time` buckets (seconds). */
export const CONVERGENCE_BUCKETS = [0.1, 0.5, 1, 3, 5, 10, 20, 30];
/** Translation of one proxy group; Istio's `pilot_xds_push_time` buckets below a second plus finer ones. */
export const TRANSLATION_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 3, 5];

/** What the control plane reports besides stream events. */
export interface ControlPlaneMetrics {
  translated(seconds: number): void;
  converged(seconds: number): void;
  rolledBack(): void;
  /** A connected sidecar was refused as an endpoint (identity does not match its WorkloadGroup, ...). */
  registrationRefused(): void;
}

/** Where the NACKs and convergence times also go (the CloudWatch figures the deployment's alarms read). */
export interface AlarmMetricsSink {
  nacked(): void;
  converged(seconds: number): void;
}

/**
 * The xds-server's Prometheus metrics, named after Istio's `pilot_xds_*` family:
 * `trellis_xds_*` for streams and pushes, `trellis_proxy_convergence_seconds` for revisions.
 */
export class XdsMetrics implements ControlPlaneMetrics {
  readonly connectedProxies: Gauge<'stream'>;
  readonly pushes: Counter<'type'>;
  readonly pushBytes: Histogram<'type'>;
  readonly nacks: Counter<'type'>;
  readonly convergence: Histogram;
  readonly translation: Histogram;
  readonly rollbacks: Counter;
  readonly registrationRefusals: Counter;

  readonly #alarms: AlarmMetricsSink | undefined;

  constructor(registry: Registry, alarms?: AlarmMetricsSink) {
    this.#alarms = alarms;
    const registers = [registry];
    this.connectedProxies = new Gauge({ name: 'trellis_xds_connected_proxies', help: 'ADS streams open on this replica, by stream type (sotw or delta)', labelNames: ['stream'], registers });
    this.pushes = new Counter({ name: 'trellis_xds_pushes_total', help: 'xDS responses sent, by type (cds, eds, lds, rds, sds)', labelNames: ['type'], registers });
    this.pushBytes = new Histogram({ name: 'trellis_xds_push_bytes', help: 'Size of the resources in one xDS response, by type', labelNames: ['type'], buckets: PUSH_BYTES_BUCKETS, registers });
    this.nacks = new Counter({ name: 'trellis_xds_nacks_total', help: 'xDS responses proxies rejected, by type', labelNames: ['type'], registers });
    this.convergence = new Histogram({ name: 'trellis_proxy_convergence_seconds', help: 'Commit of a mesh revision to its acknowledgement by the last proxy connected at push time', buckets: CONVERGENCE_BUCKETS, registers });
    this.translation = new Histogram({ name: 'trellis_xds_translation_seconds', help: 'Translating a mesh revision into Envoy config for one proxy group', buckets: TRANSLATION_BUCKETS, registers });
    this.rollbacks = new Counter({ name: 'trellis_nack_rollbacks_total', help: 'Revisions rolled back automatically because proxies rejected them', registers });
    this.registrationRefusals = new Counter({ name: 'trellis_workload_registrations_refused_total', help: 'Connected sidecars refused as endpoints (identity not matching their WorkloadGroup, missing group)', registers });
    for (const stream of ['sotw', 'delta']) this.connectedProxies.set({ stream }, 0);
    // A series that starts at 1 shows no increase to Prometheus: the first NACK would not alert.
    for (const type of new Set(Object.values(TYPE_LABELS))) this.nacks.inc({ type }, 0);
  }

  /** Stream observers for `startXds({ observe })`; push sizes are the encoded resources sent. */
  hooks(): XdsServerHooks {
    return {
      onConnect: (e) => this.connectedProxies.inc({ stream: e.protocol }),
      onDisconnect: (e) => this.connectedProxies.dec({ stream: e.protocol }),
      onNack: (e) => {
        this.nacks.inc({ type: TYPE_LABELS[e.typeUrl] });
        this.#alarms?.nacked();
      },
      onSend: (e) => {
        const type = TYPE_LABELS[e.typeUrl];
        let bytes = 0;
        for (const r of e.resources) bytes += r.body.byteLength;
        this.pushes.inc({ type });
        this.pushBytes.observe({ type }, bytes);
      },
    };
  }

  translated(seconds: number): void {
    this.translation.observe(seconds);
  }

  converged(seconds: number): void {
    this.convergence.observe(seconds);
    this.#alarms?.converged(seconds);
  }

  rolledBack(): void {
    this.rollbacks.inc();
  }

  registrationRefused(): void {
    this.registrationRefusals.inc();
  }
}
