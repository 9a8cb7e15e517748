import { describe, expect, it } from 'vitest';
import { CliError } from '../cli-error.ts';
import { DEFAULT_SERVER, requireApiKey, requireMesh, resolveTarget } from './resolve-target.ts';

const config = {
  currentContext: 'prod',
  contexts: { prod: { server: 'https://prod.example', apiKey: 'prod-key', mesh: 'shop' }, dev: { server: 'http://dev.example', apiKey: 'dev-key' } },
};

describe('resolveTarget', () => {
  it('uses the current context', () => {
    expect(resolveTarget(config, {}, {})).toEqual({ server: 'https://prod.example', apiKey: 'prod-key', mesh: 'shop', context: 'prod' });
  });

  it('lets TRELLIS_URL, TRELLIS_API_KEY and TRELLIS_MESH override the context', () => {
    expect(resolveTarget(config, {}, { TRELLIS_URL: 'http://127.0.0.1:9', TRELLIS_API_KEY: 'env-key', TRELLIS_MESH: 'env-mesh' })).toMatchObject({ server: 'http://127.0.0.1:9', apiKey: 'env-key', mesh: 'env-mesh' });
  });

  it('lets --mesh beat TRELLIS_MESH, and --context pick another context', () => {
    expect(resolveTarget(config, { mesh: 'flag-mesh' }, { TRELLIS_MESH: 'env-mesh' }).mesh).toBe('flag-mesh');
    expect(resolveTarget(config, { context: 'dev' }, {})).toEqual({ server: 'http://dev.example', apiKey: 'dev-key', context: 'dev' });
  });

  it("carries the context's default namespace", () => {
    const withNs = { currentContext: 'lab', contexts: { lab: { server: 'http://lab.example', namespace: 'team-a' } } };
    expect(resolveTarget(withNs, {}, {})).toEqual({ server: 'http://lab.example', namespace: 'team-a', context: 'lab' });
    expect(resolveTarget(config, {}, {})).not.toHaveProperty('namespace');
  });

  it('falls back to local mode without any config', () => {
    expect(resolveTarget({ contexts: {} }, {}, {})).toEqual({ server: DEFAULT_SERVER });
  });

  it('fails with exit code 4 for an unknown --context', () => {
    expect(() => resolveTarget(config, { context: 'nope' }, {})).toThrow(expect.objectContaining({ exitCode: 4 }) as unknown as Error);
  });

  it('says how to supply a missing key or mesh (usage errors)', () => {
    const target = resolveTarget({ contexts: {} }, {}, {});
    for (const check of [() => requireApiKey(target), () => requireMesh(target)]) {
      let error: unknown;
      try {
        check();
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(CliError);
      expect((error as CliError).exitCode).toBe(2);
      expect((error as CliError).hint).toMatch(/TRELLIS_(API_KEY|MESH)/);
    }
  });
});
