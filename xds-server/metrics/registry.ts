import { collectDefaultMetrics, Registry } from 'prom-client';

/** A registry of its own (tests run several servers in one process) with the Node process metrics. */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'trellis_' });
  return registry;
}
