import type { ChangeBus, ChangeHandler, MeshChangeEvent, Subscription } from './change-bus.ts';

/**
 * One process's view of a ChangeBus that allows one subscription per replica (EventBridge: one
 * queue and rule per replica): every local consumer (the control plane, the Cloud Map sources)
 * subscribes here, and the bus sees a single subscription, opened with the first consumer and
 * closed with the last.
 *
 * Every consumer gets every event. If any consumer fails, the delivery fails after all have run,
 * so the bus redelivers it to all of them; consumers already tolerate duplicates.
 */
export class SharedSubscriptionBus implements ChangeBus {
  readonly #bus: ChangeBus;
  readonly #handlers = new Set<ChangeHandler>();
  #upstream: Promise<Subscription> | undefined;

  constructor(bus: ChangeBus) {
    this.#bus = bus;
  }

  publish(event: MeshChangeEvent): Promise<void> {
    return this.#bus.publish(event);
  }

  async subscribe(handler: ChangeHandler): Promise<Subscription> {
    this.#handlers.add(handler);
    this.#upstream ??= this.#bus.subscribe((event) => this.#dispatch(event));
    const upstream = this.#upstream;
    try {
      await upstream;
    } catch (err) {
      this.#handlers.delete(handler);
      if (this.#upstream === upstream) this.#upstream = undefined;
      throw err;
    }
    let closed = false;
    return {
      close: async () => {
        if (closed) return;
        closed = true;
        this.#handlers.delete(handler);
        if (this.#handlers.size > 0 || this.#upstream !== upstream) return;
        this.#upstream = undefined;
        await (await upstream).close();
      },
    };
  }

  async #dispatch(event: MeshChangeEvent): Promise<void> {
    const results = await Promise.allSettled([...this.#handlers].map(async (handler) => handler(event)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
