import { z } from 'zod';

/** A TCP/UDP port number. */
export const PortNumber = z
  .int({ message: 'port must be an integer' })
  .min(1, { message: 'port must be between 1 and 65535' })
  .max(65535, { message: 'port must be between 1 and 65535' });

/** protobuf uint32. */
export const UInt32 = z.int().min(0).max(4_294_967_295);

/** protobuf int32 used for counts and limits; Istio rejects negative values. */
export const Count = z.int().min(0, { message: 'must not be negative' }).max(2_147_483_647);

/** A whole percentage, 0..100. */
export const WholePercent = z
  .int()
  .min(0, { message: 'percentage must be between 0 and 100' })
  .max(100, { message: 'percentage must be between 0 and 100' });
