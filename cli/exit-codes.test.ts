import { describe, expect, it } from 'vitest';
import { ExitCode, exitCodeForStatus } from './exit-codes.ts';
import { runCli } from './main.ts';
import type { CliIo } from './command-context.ts';

function io(env: Record<string, string> = {}): CliIo & { text: () => { out: string; err: string } } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    // An absent config file, so the developer's own contexts never leak into the test.
    env: { TRELLIS_CONFIG: '/nonexistent/trellis-test/config.yaml', ...env },
    text: () => ({ out, err }),
  };
}

describe('exitCodeForStatus', () => {
  it.each([
    [400, ExitCode.Validation],
    [404, ExitCode.NotFound],
    [409, ExitCode.Conflict],
    [412, ExitCode.Conflict],
    [401, ExitCode.Failure],
    [500, ExitCode.Failure],
    [501, ExitCode.Failure],
  ])('maps HTTP %i to %i', (status, code) => {
    expect(exitCodeForStatus(status)).toBe(code);
  });
});

describe('runCli exit codes', () => {
  it('0 for help and version', async () => {
    expect(await runCli(['--help'], io())).toBe(0);
    expect(await runCli(['--version'], io())).toBe(0);
  });

  it('2 for an unknown command, a bad flag value or a missing argument', async () => {
    expect(await runCli(['frobnicate'], io())).toBe(2);
    expect(await runCli(['get', 'vs', '-o', 'xml'], io())).toBe(2);
    expect(await runCli(['describe', 'vs'], io())).toBe(2);
    expect(await runCli(['get', 'pods'], io({ TRELLIS_API_KEY: 'k', TRELLIS_MESH: 'm' }))).toBe(2);
  });

  it('2 with a hint when no API key or mesh is configured', async () => {
    const run = io();
    expect(await runCli(['get', 'vs', '-m', 'demo'], run)).toBe(2);
    expect(run.text().err).toContain('TRELLIS_API_KEY');
  });

  it('1 with what to do next when the server cannot be reached', async () => {
    const run = io({ TRELLIS_URL: 'http://127.0.0.1:1', TRELLIS_API_KEY: 'k', TRELLIS_MESH: 'demo' });
    expect(await runCli(['get', 'vs'], run)).toBe(1);
    expect(run.text().err).toContain('cannot reach http://127.0.0.1:1');
    expect(run.text().err).toContain('is `npm start` running? set TRELLIS_URL or `trellis context set');
  });
});
