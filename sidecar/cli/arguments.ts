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

/** A port, or 0 to turn the listener off. */
export function portOrZero(value: string): number {
  return value === '0' ? 0 : portNumber(value);
}

/** An http URL on this host (127.0.0.1, localhost, [::1]): the agent fetches it, so it reaches nothing beyond the pod or task. */
export function loopbackHttpUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('must be a URL such as http://127.0.0.1:8080/metrics');
  }
  if (url.protocol !== 'http:') throw new InvalidArgumentError('must be an http:// URL');
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) throw new InvalidArgumentError('must be on 127.0.0.1, localhost or [::1] (the app in the same pod or task)');
  if (url.username || url.password) throw new InvalidArgumentError('must not carry credentials');
  return url.toString();
}
