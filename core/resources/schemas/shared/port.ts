import { z } from 'zod';
import { PortNumber } from './numbers.ts';

/** A gateway server port: number, protocol and a name, all required. */
export const ServerPort = z
  .strictObject({
    number: PortNumber,
    protocol: z.string().min(1, { message: 'protocol must not be empty' }),
    name: z.string().min(1, { message: 'port name must not be empty' }),
    targetPort: PortNumber.optional(),
  })
  .meta({ id: 'Port' });

/** A Sidecar listener port; every field optional. */
export const SidecarPort = z
  .strictObject({
    number: PortNumber.optional(),
    protocol: z.string().optional(),
    name: z.string().optional(),
    targetPort: PortNumber.optional(),
  })
  .meta({ id: 'SidecarPort' });
