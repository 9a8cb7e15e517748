import { z } from 'zod';
import { PortNumber } from './numbers.ts';

export const PortSelector = z.strictObject({ number: PortNumber.optional() }).meta({ id: 'PortSelector' });
