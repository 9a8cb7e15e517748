import type { ChangeBus, ChangeHandler, MeshChangeEvent, Subscription } from '../../../bus/change-bus.ts';

/**
 * The local-mode ChangeBus: delivers each event to every subscriber in this process.
 * Delivery is asynchronous so a slow subscriber never delays the publishing request,
 * and a failing subscriber never affects the others.
 */
export class InProcessBus implements ChangeBus {
  private readonly handlers = new Set<ChangeHandler>();

  constructor(private readonly onHandlerError: (err: unknown, event: MeshChangeEvent) => void = () => {}) {}

  async publish(event: MeshChangeEvent): Promise<void> {
    for (const handler of this.handlers) {
      queueMicrotask(() => {
        Promise.resolve()
          .then(() => handler(event))
          .catch((err: unknown) => this.onHandlerError(err, event));
      });
    }
  }

  async subscribe(handler: ChangeHandler): Promise<Subscription> {
    // Wrap so the same function can subscribe twice and each subscription closes independently.
    const own: ChangeHandler = (e) => handler(e);
    this.handlers.add(own);
    return {
      close: async () => {
        this.handlers.delete(own);
      },
    };
  }
}
