import { InvalidArgumentError, Option } from 'commander';
import { DEFAULT_XDS_PORT } from '../../core/proxies/ports.ts';

export function portNumber(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 65535) throw new InvalidArgumentError('must be a port number (1-65535)');
  return n;
}

export function label(value: string, previous: Record<string, string>): Record<string, string> {
  const i = value.indexOf('=');
  if (i < 1) throw new InvalidArgumentError('must be key=value');
  return { ...previous, [value.slice(0, i)]: value.slice(i + 1) };
}

export function hostPort(value: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(value);
  if (!m) throw new InvalidArgumentError('must be host[:port]');
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port: m[2] ? portNumber(m[2]) : DEFAULT_XDS_PORT };
}

/** `--xds <host:port>`, its default shown in --help as host:port rather than as the parsed object. */
export function xdsOption(description: string, fallback = `127.0.0.1:${DEFAULT_XDS_PORT}`): Option {
  return new Option('--xds <host:port>', description).argParser(hostPort).default(hostPort(fallback), fallback);
}

export function repeatable(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

export function ratio(value: string): number {
  const n = Number(value);
  if (!(n > 0 && n < 1)) throw new InvalidArgumentError('must be a number between 0 and 1');
  return n;
}
