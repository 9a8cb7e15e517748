import { Command } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { xdsOption } from './arguments.ts';
import { bootstrapCommand } from './bootstrap-command.ts';
import { gatewayBootstrapCommand } from './gateway-bootstrap-command.ts';
import { runCommand } from './run-command.ts';

describe('--xds', () => {
  const saved = process.env.TRELLIS_XDS;
  afterEach(() => {
    if (saved === undefined) delete process.env.TRELLIS_XDS;
    else process.env.TRELLIS_XDS = saved;
  });

  it.each([
    ['bootstrap', bootstrapCommand],
    ['gateway-bootstrap', gatewayBootstrapCommand],
    ['run', runCommand],
  ])('shows its default in `trellis-agent %s --help` as host:port', (_name, command) => {
    delete process.env.TRELLIS_XDS;
    const help = command().helpInformation().replace(/\s+/g, ' ');

    expect(help).toContain('(default: 127.0.0.1:18000)');
    expect(help).not.toContain('{"host"');
  });

  it('shows TRELLIS_XDS as the default of run when it is set', () => {
    process.env.TRELLIS_XDS = 'xds.internal:15010';

    expect(runCommand().helpInformation().replace(/\s+/g, ' ')).toContain('(default: xds.internal:15010)');
  });

  it('still parses to host and port, by default and when given', () => {
    const parse = (args: string[]) => new Command().exitOverride().addOption(xdsOption('xDS server')).parse(args, { from: 'user' }).opts().xds as unknown;

    expect(parse([])).toEqual({ host: '127.0.0.1', port: 18000 });
    expect(parse(['--xds', 'cp.local:19000'])).toEqual({ host: 'cp.local', port: 19000 });
    expect(parse(['--xds', '[::1]'])).toEqual({ host: '::1', port: 18000 });
  });
});
