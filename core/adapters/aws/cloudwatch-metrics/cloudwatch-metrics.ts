import { PutMetricDataCommand, type CloudWatchClient, type MetricDatum, type StandardUnit } from '@aws-sdk/client-cloudwatch';

/** What a publisher needs to log (a pino logger fits). */
export interface MetricsLogger {
  warn(fields: object, message: string): void;
}

export interface CloudWatchMetricsOptions {
  client: Pick<CloudWatchClient, 'send'>;
  /** The deployment's namespace (`Trellis/<service stack>`); the task role may publish to it only. */
  namespace: string;
  /** Counters published every period, 0 when nothing happened, so the metric exists before its first event. */
  counters: Readonly<Record<string, StandardUnit>>;
  /** Distributions (percentile alarms read them): every value observed in the period. */
  distributions: Readonly<Record<string, StandardUnit>>;
  /** How often the period's figures are sent (default 60 s, CloudWatch's standard resolution). */
  intervalMs?: number;
  logger: MetricsLogger;
  now?: () => Date;
}

/** CloudWatch takes at most 150 distinct values per datum; values are kept to 3 significant digits. */
const VALUES_PER_DATUM = 150;
/** At most 1,000 data per PutMetricData request. */
const DATA_PER_REQUEST = 1000;
/** A period that could not be sent is merged into the next; beyond this many distinct values it is dropped. */
const MAX_PENDING_VALUES = 10 * VALUES_PER_DATUM;

const round = (value: number) => (value === 0 ? 0 : Number(value.toPrecision(3)));

/**
 * The fleet-wide figures the deployment's alarms read, published with PutMetricData without
 * dimensions: each replica sends its own period's counts and observations, CloudWatch adds them up.
 * Observations go as value/count pairs, so `p99` statistics are computed over every replica's values.
 */
export class CloudWatchMetrics {
  readonly #o: CloudWatchMetricsOptions;
  readonly #counts = new Map<string, number>();
  readonly #values = new Map<string, Map<number, number>>();
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;

  constructor(options: CloudWatchMetricsOptions) {
    this.#o = options;
  }

  /** Adds to a counter of this period. */
  count(name: string, n = 1): void {
    if (!(name in this.#o.counters)) throw new Error(`${name} is not a declared counter`);
    this.#counts.set(name, (this.#counts.get(name) ?? 0) + n);
  }

  /** Records one observation of a distribution. */
  observe(name: string, value: number): void {
    if (!(name in this.#o.distributions)) throw new Error(`${name} is not a declared distribution`);
    if (!Number.isFinite(value) || value < 0) return;
    this.#add(name, round(value), 1);
  }

  #add(name: string, key: number, count: number): void {
    let values = this.#values.get(name);
    if (!values) this.#values.set(name, (values = new Map()));
    if (!values.has(key) && values.size >= MAX_PENDING_VALUES) return;
    values.set(key, (values.get(key) ?? 0) + count);
  }

  start(): void {
    this.#timer ??= setInterval(() => void this.flush(), this.#o.intervalMs ?? 60_000);
    this.#timer.unref();
  }

  /** Sends the last period; called once more by stop(). */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    // A flush in flight took its figures before the last ones came: wait for it, then send those too.
    await this.#flushing;
    await this.flush();
  }

  /** Sends what was counted and observed since the last flush; on failure it is kept for the next. */
  flush(): Promise<void> {
    this.#flushing ??= this.#send().finally(() => (this.#flushing = undefined));
    return this.#flushing;
  }

  async #send(): Promise<void> {
    const timestamp = (this.#o.now ?? (() => new Date()))();
    const counts = new Map(this.#counts);
    const values = new Map(this.#values);
    this.#counts.clear();
    this.#values.clear();
    const data: MetricDatum[] = [];
    for (const [name, unit] of Object.entries(this.#o.counters)) data.push({ MetricName: name, Unit: unit, Timestamp: timestamp, Value: counts.get(name) ?? 0 });
    for (const [name, observed] of values) {
      const entries = [...observed];
      for (let i = 0; i < entries.length; i += VALUES_PER_DATUM) {
        const chunk = entries.slice(i, i + VALUES_PER_DATUM);
        data.push({ MetricName: name, Unit: this.#o.distributions[name], Timestamp: timestamp, Values: chunk.map(([v]) => v), Counts: chunk.map(([, c]) => c) });
      }
    }
    try {
      for (let i = 0; i < data.length; i += DATA_PER_REQUEST) {
        await this.#o.client.send(new PutMetricDataCommand({ Namespace: this.#o.namespace, MetricData: data.slice(i, i + DATA_PER_REQUEST) }));
      }
    } catch (err) {
      // Kept for the next period, so a throttled call delays figures rather than losing a NACK.
      for (const [name, n] of counts) this.#counts.set(name, (this.#counts.get(name) ?? 0) + n);
      for (const [name, observed] of values) for (const [v, c] of observed) this.#add(name, v, c);
      this.#o.logger.warn({ err, namespace: this.#o.namespace }, 'could not publish metrics to CloudWatch; kept for the next period');
    }
  }
}
