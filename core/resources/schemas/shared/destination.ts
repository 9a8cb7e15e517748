import { z } from 'zod';
import { PortSelector } from './port-selector.ts';
import { Host } from './host.ts';

/** Where a route sends traffic: a service host, an optional subset and port. */
export const Destination = z
  .strictObject({
    host: Host,
    subset: z.string().optional(),
    port: PortSelector.optional(),
  })
  .meta({ id: 'Destination' });

export type Destination = z.infer<typeof Destination>;
