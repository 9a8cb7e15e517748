import { Counter, Gauge, type Registry } from 'prom-client';
import type { CloudMapSource } from '../../core/registry/cloud-map-entries.ts';
import type { CloudMapPollOutcome } from '../../core/registry/cloud-map-source-status.ts';
import type { CloudMapPollObserver } from '../control/cloud-map-sources.ts';

type Labels = 'tenant' | 'mesh' | 'source';

/**
 * Polls of the Cloud Map sources this replica holds the lease of. A source's gauges are only on
 * the replica polling it (they go when it stops doing so), so a fleet-wide view takes the max.
 */
export class CloudMapMetrics implements CloudMapPollObserver {
  readonly polls: Counter<Labels | 'result'>;
  readonly consecutiveFailures: Gauge<Labels>;
  readonly lastSuccess: Gauge<Labels>;
  readonly instances: Gauge<Labels>;
  readonly #failed: (() => void) | undefined;
  readonly #now: () => Date;

  /** `failed` also counts each failed poll elsewhere (the CloudWatch figure the deployment's alarm reads). */
  constructor(registry: Registry, options: { failed?: () => void; now?: () => Date } = {}) {
    const registers = [registry];
    const labelNames = ['tenant', 'mesh', 'source'] as const;
    this.polls = new Counter({ name: 'trellis_cloud_map_polls_total', help: 'Polls of Cloud Map sources by this replica, by result (ok or error)', labelNames: [...labelNames, 'result'], registers });
    this.consecutiveFailures = new Gauge({ name: 'trellis_cloud_map_source_consecutive_failures', help: 'Failed polls of a Cloud Map source since its last success (on the replica polling it)', labelNames, registers });
    this.lastSuccess = new Gauge({ name: 'trellis_cloud_map_source_last_success_timestamp_seconds', help: 'When the replica polling a Cloud Map source last listed it', labelNames, registers });
    this.instances = new Gauge({ name: 'trellis_cloud_map_source_instances', help: 'Instances of a Cloud Map source in the workload registry after its last successful poll', labelNames, registers });
    this.#failed = options.failed;
    this.#now = options.now ?? (() => new Date());
  }

  polled(mesh: { tenantId: string; mesh: string }, source: CloudMapSource, outcome: CloudMapPollOutcome): void {
    const labels = labelsOf(mesh, source);
    this.polls.inc({ ...labels, result: outcome.ok ? 'ok' : 'error' });
    if (outcome.ok) {
      this.consecutiveFailures.set(labels, 0);
      this.lastSuccess.set(labels, this.#now().getTime() / 1000);
      this.instances.set(labels, outcome.instances);
    } else {
      this.consecutiveFailures.inc(labels);
      this.#failed?.();
    }
  }

  released(mesh: { tenantId: string; mesh: string }, source: CloudMapSource): void {
    const labels = labelsOf(mesh, source);
    for (const gauge of [this.consecutiveFailures, this.lastSuccess, this.instances]) gauge.remove(labels);
  }
}

const labelsOf = (mesh: { tenantId: string; mesh: string }, source: CloudMapSource) => ({ tenant: mesh.tenantId, mesh: mesh.mesh, source: `${source.cloudMapNamespace}/${source.service}` });
