import { KINDS, KIND_NAMES, type KindName } from '../core/resources/kinds.ts';
import { usageError } from './cli-error.ts';

// istioctl / kubectl short names.
const SHORT_NAMES: Record<string, KindName> = {
  vs: 'VirtualService',
  dr: 'DestinationRule',
  gw: 'Gateway',
  se: 'ServiceEntry',
  we: 'WorkloadEntry',
  wg: 'WorkloadGroup',
  pa: 'PeerAuthentication',
  ap: 'AuthorizationPolicy',
  ra: 'RequestAuthentication',
};

/** A kind as typed on the command line: `virtualservices`, `virtualservice`, `VirtualService`, `vs`. */
export function resolveKind(input: string): KindName {
  const wanted = input.toLowerCase();
  const short = SHORT_NAMES[wanted];
  if (short) return short;
  const found = KIND_NAMES.find((k) => k.toLowerCase() === wanted || KINDS[k].plural === wanted);
  if (found) return found;
  throw usageError(`unknown resource kind "${input}"`, `use one of: ${KIND_NAMES.map((k) => `${KINDS[k].plural} (${Object.keys(SHORT_NAMES).find((s) => SHORT_NAMES[s] === k) ?? k.toLowerCase()})`).join(', ')}`);
}

export const pluralOf = (kind: KindName) => KINDS[kind].plural;

/** `virtualservice/reviews`, the way kubectl names an object in its output. */
export const objectRef = (kind: string, name: string) => `${kind.toLowerCase()}/${name}`;
