import { InvalidArgumentError } from 'commander';
import type { Result } from '../../core/result.ts';
import { parseCidrs, parseCidrSelection, parsePorts, parsePortSelection } from './traffic-lists.ts';

/** A commander argument parser from one of the traffic-list parsers. */
function argument<T>(parse: (path: string, text: string) => Result<T>): (value: string) => T {
  return (value) => {
    const parsed = parse('', value);
    if (!parsed.ok) throw new InvalidArgumentError(parsed.errors.map((e) => e.message).join('; '));
    return parsed.value;
  };
}

export const portsArgument = argument(parsePorts);
export const portSelectionArgument = argument(parsePortSelection);
export const cidrsArgument = argument(parseCidrs);
export const cidrSelectionArgument = argument(parseCidrSelection);

export function portArgument(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 65535) throw new InvalidArgumentError('must be a port number (1-65535)');
  return n;
}

export function positiveIntegerArgument(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('must be a positive integer');
  return Number(value);
}

/** `host:port` or `[v6]:port`, kept as text: it is only passed on to the agents. */
export function hostPortArgument(value: string): string {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(value);
  if (!m) throw new InvalidArgumentError('must be host:port');
  portArgument(m[2]!);
  return value;
}

export function uidArgument(value: string): number {
  if (!/^\d{1,10}$/.test(value) || Number(value) > 2 ** 31 - 1) throw new InvalidArgumentError('must be a UID');
  return Number(value);
}
