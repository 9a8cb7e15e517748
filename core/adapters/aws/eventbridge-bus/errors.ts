import { TrellisError } from '../../../errors.ts';

/** The bus could not publish an event or set up a subscription; the SDK error is the `cause`. */
export class ChangeBusError extends TrellisError {}
