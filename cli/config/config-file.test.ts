import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliError } from '../cli-error.ts';
import { configPath, readConfig, writeConfig } from './config-file.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-cli-config-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('configPath', () => {
  it('prefers TRELLIS_CONFIG, then XDG_CONFIG_HOME, then ~/.config', () => {
    expect(configPath({ TRELLIS_CONFIG: '/x/c.yaml', XDG_CONFIG_HOME: '/xdg' }, '/home/u')).toBe('/x/c.yaml');
    expect(configPath({ XDG_CONFIG_HOME: '/xdg' }, '/home/u')).toBe('/xdg/trellis/config.yaml');
    expect(configPath({}, '/home/u')).toBe('/home/u/.config/trellis/config.yaml');
    // The XDG spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
    expect(configPath({ XDG_CONFIG_HOME: 'rel' }, '/home/u')).toBe('/home/u/.config/trellis/config.yaml');
  });
});

describe('readConfig / writeConfig', () => {
  it('writes owner-only: 0600 file in a new 0700 directory, and reads it back', () => {
    // Prepare
    const file = path.join(dir, 'trellis', 'config.yaml');
    const config = { currentContext: 'local', contexts: { local: { server: 'http://127.0.0.1:8080', apiKey: 'k', mesh: 'demo' } } };
    // Act
    writeConfig(file, config);
    // Assess
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(readConfig(file)).toEqual(config);
  });

  it('keeps a context namespace, and refuses one that is not a string', () => {
    const file = path.join(dir, 'config.yaml');
    writeConfig(file, { currentContext: 'lab', contexts: { lab: { server: 'http://lab.example', namespace: 'team-a' } } });
    expect(readConfig(file).contexts['lab']).toEqual({ server: 'http://lab.example', namespace: 'team-a' });
    writeFileSync(file, 'contexts:\n  lab:\n    server: http://lab.example\n    namespace: [a]\n', { mode: 0o600 });
    expect(() => readConfig(file)).toThrow(CliError);
  });

  it('keeps 0600 when rewriting a file', () => {
    const file = path.join(dir, 'config.yaml');
    writeConfig(file, { contexts: {} });
    writeConfig(file, { contexts: { a: { server: 'http://a' } } });
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('treats a missing or empty file as no contexts', () => {
    expect(readConfig(path.join(dir, 'absent.yaml'))).toEqual({ contexts: {} });
    const empty = path.join(dir, 'empty.yaml');
    writeFileSync(empty, '', { mode: 0o600 });
    expect(readConfig(empty)).toEqual({ contexts: {} });
  });

  it.each([0o644, 0o640, 0o604, 0o660])('refuses a file with mode %o and says how to fix it', (mode) => {
    const file = path.join(dir, 'config.yaml');
    writeFileSync(file, 'contexts: {}\n');
    chmodSync(file, mode);
    let error: unknown;
    try {
      readConfig(file);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).message).toContain('readable or writable by other users');
    expect((error as CliError).hint).toContain(`chmod 600 ${file}`);
    expect((error as CliError).exitCode).toBe(1);
  });

  it('reports a context without a server', () => {
    const file = path.join(dir, 'config.yaml');
    writeFileSync(file, 'contexts:\n  broken: { apiKey: k }\n', { mode: 0o600 });
    expect(() => readConfig(file)).toThrow(/context "broken" needs a server URL/);
  });
});
